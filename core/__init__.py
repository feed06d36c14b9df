"""Cross-cutting pieces every feature uses: extensions, settings, roles, audit, crypto, errors."""
