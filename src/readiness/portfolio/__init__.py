"""The release manager's desk: many releases at once.

A portfolio is the folder of definitions (`DIR/definitions/*.yaml`). `resolve` loads them and
orders them by `requires` (cycles and unknown releases are located definition errors);
`build` evaluates each in that order, each requirement seeing the releases evaluated before
it; `milestones` says on track / at risk / late; `since` compares with the evaluation store
("what changed since the last review"); the renderers in `render_*` turn the `Portfolio`
(`model`) into the terminal view, JSON, Markdown and one self-contained HTML page.
"""
