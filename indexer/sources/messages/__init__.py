"""Message readers: iMessage chat.db, WhatsApp, Telegram, SMS Backup & Restore and Messenger exports.

Each reader parses its format into ``windows.ChatMessage`` records and lets ``windows`` group them
into conversation-window Documents.
"""
