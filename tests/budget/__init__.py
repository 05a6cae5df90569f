"""Tests of the power budget (custom_components/whatsminer/budget), free of Home Assistant."""
