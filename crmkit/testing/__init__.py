"""Helpers for testing and benchmarking crmkit and the applications built on it.

:mod:`crmkit.testing.messy` generates messy multi-source customer data with ground truth, to
measure identity resolution.
"""
