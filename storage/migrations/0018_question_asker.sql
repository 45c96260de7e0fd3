-- Who asked a group question (their Telegram id), so that erasing a customer who asked one
-- erases the question and the notice that quoted it too. Questions asked before this are
-- matched by the asker's name.
ALTER TABLE questions ADD COLUMN user_id INTEGER;
CREATE INDEX questions_asker ON questions(owner_id, user_id);
