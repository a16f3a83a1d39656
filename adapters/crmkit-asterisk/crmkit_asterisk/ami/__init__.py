"""The ``asterisk-ami`` adapter: calls and screen pops from the Asterisk Manager Interface."""

from crmkit_asterisk.ami.adapter import AmiAdapter
from crmkit_asterisk.ami.client import AmiLoginError, AmiSettings
from crmkit_asterisk.ami.listen import ListenReport, listen

__all__ = ["AmiAdapter", "AmiLoginError", "AmiSettings", "ListenReport", "listen"]
