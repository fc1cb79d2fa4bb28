"""Alert channels, channel-neutral: where a destination is (`channel` + `address`) and what a
channel can do.

Destinations used to be Telegram chats (an integer chat id). A destination is now a channel
name and a string address in that channel's terms (a chat id for Telegram, a URL for a
webhook, a mailbox for email), and each channel declares its capabilities, so delivery asks
"can this channel edit a sent message?" instead of "is this Telegram?". Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

TELEGRAM = "telegram"
CONSOLE = "console"


@dataclass(frozen=True)
class Capabilities:
    """What a channel can do beyond sending one message per alert.

    `edit`: a sent message can be changed in place when its event changes (otherwise an
    update is a new message, or nothing). `commands`: people can talk back (bot commands such
    as /subscribe). `review`: analysts can confirm or dismiss an event from the message
    (inline buttons)."""

    edit: bool = False
    commands: bool = False
    review: bool = False


TELEGRAM_CAPABILITIES = Capabilities(edit=True, commands=True, review=True)
# The console prints edits as new blocks and shows the buttons as text, but nobody can
# answer it: no commands, no review decisions.
CONSOLE_CAPABILITIES = Capabilities(edit=True, commands=False, review=False)

# Channels whose destinations are chats, delivered by the chat sender
# (tracker.services.alert_delivery); each other channel has its own sender.
CHAT_CHANNELS = frozenset({TELEGRAM, CONSOLE})

# The console destination's stand-in chat id (no Telegram chat has id 0).
CONSOLE_CHAT_ID = 0


def telegram_address(chat_id: int) -> str:
    """A Telegram chat id as a destination address (its decimal form, sign included)."""
    return str(int(chat_id))


WEBHOOK = "webhook"
# A webhook cannot change what it already received; an update is a new POST carrying the
# event's revision, which is what `edit` means for it. Nobody answers a webhook.
WEBHOOK_CAPABILITIES = Capabilities(edit=True, commands=False, review=False)

EMAIL = "email"
# One message per event: a mail cannot be changed once sent, and a mailbox that got a new
# mail at every change of an event would be noise. Nobody answers it.
EMAIL_CAPABILITIES = Capabilities(edit=False, commands=False, review=False)
