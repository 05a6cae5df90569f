"""Tests for the Whatsminer integration, its protocol client and its simulator."""
