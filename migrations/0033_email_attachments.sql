-- Issue 24: email attachments (a ticket summary's PDF). The outbox payload names the file-store key;
-- the development provider records what it would have attached, shown with a download link on
-- Maintenance → Development mailbox. JSON list of {filename, content_type, key, size}. core/devmail.py.
ALTER TABLE dev_mailbox ADD COLUMN attachments TEXT NOT NULL DEFAULT '[]';
