"""The site side of 1C's "exchange with a web site" protocol (``type=sale``)."""

from crmkit_1c.exchange.app import ExchangeApp, ExchangeSettings

__all__ = ["ExchangeApp", "ExchangeSettings"]
