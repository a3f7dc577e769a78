"""Results out: the JSON documents, the explore exports and summary, the FlexSA study files, and the
SQLite store an exploration streams into."""
