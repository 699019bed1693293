"""Stories: one event, one alert, however many sources report it.

A pure package (no database, no Telegram): the pipeline feeds it posts in publication
order and stores the story key it answers. The modules, in the order a post meets them:

- `canonical`: one spelling per URL (``canonical_url``, ``telegram_origin``);
- `references`: the URLs that tie a post to a story without reading it (own URL,
  forwarded original, credited or sole link);
- `boilerplate`: what sources wrap around every post, taken off before comparing;
- `clues`: numbers, names and update markers read from a post's words;
- `fingerprint`: MinHash signatures of 5-character shingles (numpy, datasketch's affine32);
- `bands`, `signatures`: the compact LSH index and signature stores of the window;
- `sameness`: the policy deciding when two alike texts report one event;
- `neardup`: ``StoryWindow`` and ``StoryItem``, the sliding 48-hour window;
- `dedup`: the core of ``lookout dedup`` (JSON-lines posts in, ``{"id", "story"}`` out).

Importing this package imports nothing: ``canonical`` alone stays cheap to use.
"""
