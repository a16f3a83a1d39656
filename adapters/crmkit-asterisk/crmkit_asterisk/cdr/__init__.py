"""The ``asterisk-cdr`` adapter: calls from Asterisk's CDR CSV files (``Master.csv``)."""

from crmkit_asterisk.cdr.adapter import CdrAdapter

__all__ = ["CdrAdapter"]
