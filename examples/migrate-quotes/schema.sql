-- The quotes table, created at start-up by db.ts (`migrate()` reads this file
-- with fs.readFileSync), and a few quotes to page through.
CREATE TABLE IF NOT EXISTS quote (
  id SERIAL PRIMARY KEY,
  quote VARCHAR(255) NOT NULL UNIQUE,
  author VARCHAR(255) NOT NULL,
  -- The uploaded image: a file name under config.uploads, and its media type.
  image TEXT,
  image_type TEXT
);

INSERT INTO quote (quote, author) VALUES
  ('There are only two hard things in Computer Science: cache invalidation and naming things.', 'Phil Karlton'),
  ('Premature optimization is the root of all evil.', 'Donald Knuth'),
  ('Simplicity is prerequisite for reliability.', 'Edsger W. Dijkstra'),
  ('Programs must be written for people to read, and only incidentally for machines to execute.', 'Harold Abelson'),
  ('The most effective debugging tool is still careful thought, coupled with judiciously placed print statements.', 'Brian Kernighan'),
  ('Debugging is twice as hard as writing the code in the first place.', 'Brian Kernighan'),
  ('Controlling complexity is the essence of computer programming.', 'Brian Kernighan'),
  ('Make it work, make it right, make it fast.', 'Kent Beck'),
  ('Any fool can write code that a computer can understand. Good programmers write code that humans can understand.', 'Martin Fowler'),
  ('Do not communicate by sharing memory; instead, share memory by communicating.', 'Rob Pike'),
  ('A language that does not affect the way you think about programming is not worth knowing.', 'Alan Perlis'),
  ('Testing shows the presence, not the absence of bugs.', 'Edsger W. Dijkstra')
ON CONFLICT (quote) DO NOTHING;
