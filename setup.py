# A shim for `scrapyd-deploy`, which runs `setup.py bdist_egg` and otherwise writes a
# setup.py of its own here. Everything (packages, the `scrapy` settings entry point that
# Scrapyd reads) comes from pyproject.toml.
from setuptools import setup

setup()
