"""Use cases as functions over the storage ports: ingest, project customers, look up."""
