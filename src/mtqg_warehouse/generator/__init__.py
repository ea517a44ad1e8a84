"""Synthetic source feeds (ward returns, VBSP loans, BHYT cards) calibrated to the seed article."""
