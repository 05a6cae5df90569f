"""Tests of the Whatsminer simulator itself, over real TCP on loopback addresses."""
