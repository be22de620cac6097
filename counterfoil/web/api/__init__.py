"""The REST API (api.md): JSON in and out, Bearer API keys."""
