"""Tests of the protocol client in custom_components/whatsminer/api."""
