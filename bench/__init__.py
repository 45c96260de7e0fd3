"""Benchmarks of the reminder dispatcher against the local Bot API emulator."""
