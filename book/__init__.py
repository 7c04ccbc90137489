"""The course as a static book (Sphinx + MyST-NB): ``python3 tasks.py book``."""
