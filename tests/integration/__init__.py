"""Tests of the Home Assistant integration, driven against simulated miners over TCP."""
