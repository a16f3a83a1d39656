"""Helpers for testing and benchmarking crmkit and the applications and adapters built on it.

:mod:`crmkit.testing.contract`
    :class:`~crmkit.testing.contract.AdapterContract`, the tests every adapter should pass
    (paging, cursor resume, dead letters, refused credentials); needs pytest.
:mod:`crmkit.testing.loopback`
    :class:`~crmkit.testing.loopback.LoopbackServer`, a fake HTTP peer on 127.0.0.1 whose
    answers a test decides, recording every request.
:mod:`crmkit.testing.database`
    :func:`~crmkit.testing.database.temporary_crmkit`, a whole crmkit on a temporary SQLite
    file with just the plugins and adapters a test names.
:mod:`crmkit.testing.messy`
    Messy multi-source customer data with ground truth, to measure identity resolution.
"""
