-- A button that writes has one effect however often it is pressed (a double tap, a tap on
-- an old message, the same tap reaching two replicas): its press is claimed here, by the
-- message it is on and what it does, before it is handled. The claim belongs to the update
-- that made it, so the same update delivered again after a crash is handled (the writes it
-- made before the crash were rolled back with the update's own claim); a handler that fails
-- gives the claim back, so the RM can press again.
CREATE TABLE button_presses (
    chat_id    INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    data       TEXT NOT NULL,             -- the action and its arguments, without signature
    update_id  INTEGER NOT NULL,
    staff_id   INTEGER NOT NULL,
    pressed_at TEXT NOT NULL,
    PRIMARY KEY (chat_id, message_id, data)
);
CREATE INDEX button_presses_update ON button_presses(update_id);
CREATE INDEX button_presses_pressed ON button_presses(pressed_at);
