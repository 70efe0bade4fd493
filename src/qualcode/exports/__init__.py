"""Rendering report rows into files and machine formats."""
