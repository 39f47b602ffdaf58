"""Senpai's gateway (aiohttp), command line and process supervisor."""
