"""All of crmkit's SQLAlchemy code: tables, migrations, and the queries behind the services."""

from crmkit.store.database import Database, default_url

__all__ = ["Database", "default_url"]
