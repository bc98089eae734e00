"""The FGD day: sessions and agenda, RSVP, check-in, the live room, minutes."""
