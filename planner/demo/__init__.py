"""The synthetic demo council, calibrated to a real council's published figures."""
