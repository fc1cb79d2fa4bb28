"""Notifiers: where alerts go (Telegram through python-telegram-bot, or the console)."""
