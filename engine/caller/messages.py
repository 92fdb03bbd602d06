"""What the service told the person: their messages, read and unread."""

from engine.caller.base import Door
from engine.clock import now
from engine.people import inbox


class MessageVerbs(Door):
    def messages(self, page: int = 1, page_size: int = 20) -> dict:
        """The notifications addressed to the person, newest first, read or not (engine/people/inbox.py)."""
        with self.db.reading() as session:
            return inbox.dao_list_messages(session, self.user.username, page, page_size)

    def unread_messages(self) -> int:
        with self.db.reading() as session:
            return inbox.dao_count_unread(session, self.user.username)

    def mark_read(self, message_id: int) -> dict:
        """Their read state only, not history; 404 for a message not addressed to them."""
        with self.db.transaction() as session:
            return inbox.dao_mark_read(session, self.user.username, message_id, now())

    def mark_all_read(self) -> int:
        with self.db.transaction() as session:
            return inbox.dao_mark_all_read(session, self.user.username, now())
