"""Miners behind a smart plug: the plug option, its actions, its repair, the budget's cut."""
