"""Foundations every area shares: money, identifiers, business calendar, clock, errors, paging."""
