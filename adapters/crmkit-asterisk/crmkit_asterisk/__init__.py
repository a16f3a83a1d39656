"""Asterisk adapters for crmkit: CDR CSV files and the Asterisk Manager Interface.

The adapters are ``asterisk-cdr`` (``Master.csv``, incrementally, rotation-safe) and
``asterisk-ami`` (live calls and screen pops); the ``crmkit`` entry point loads
:mod:`crmkit_asterisk.plugin`, which registers them and the ``asterisk listen`` command.
"""

from crmkit_asterisk.ami import AmiAdapter, AmiLoginError, listen
from crmkit_asterisk.cdr import CdrAdapter
from crmkit_asterisk.rules import CallRules

__all__ = ["AmiAdapter", "AmiLoginError", "CallRules", "CdrAdapter", "listen"]
