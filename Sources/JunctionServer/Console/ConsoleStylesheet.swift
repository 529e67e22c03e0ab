/// The console's look: one stylesheet, system fonts, readable on a laptop, visible focus.
enum ConsoleStylesheet {
    static let text = #"""
    :root {
      --ink: #1d1d1f; --muted: #5f6368; --line: #d9dce1; --soft: #f4f5f7; --accent: #0b57d0; --accent-ink: #fff;
      --good: #137333; --good-soft: #e6f4ea; --bad: #b3261e; --bad-soft: #fce8e6; --warn: #8a5300; --warn-soft: #fef3e0;
      color-scheme: light;
    }
    * { box-sizing: border-box; }
    html { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #fff; }
    body { margin: 0; min-height: 100vh; display: grid; grid-template-columns: 14rem 1fr; grid-template-rows: auto 1fr; }
    body.bare { display: block; }
    a { color: var(--accent); }
    a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible, summary:focus-visible {
      outline: 3px solid #8ab4f8; outline-offset: 2px;
    }
    .skip { position: absolute; left: -999px; }
    .skip:focus { left: 1rem; top: 1rem; background: #fff; padding: .5rem; z-index: 10; }
    header.top { grid-column: 1 / -1; display: flex; align-items: center; gap: 1rem; padding: .6rem 1.25rem; border-bottom: 1px solid var(--line); }
    header.top .brand { font-weight: 700; font-size: 1.1rem; color: var(--ink); text-decoration: none; }
    header.top .who { margin-left: auto; display: flex; align-items: center; gap: .75rem; color: var(--muted); font-size: .9rem; }
    header.top form { margin: 0; display: flex; gap: .5rem; align-items: center; }
    nav.side { border-right: 1px solid var(--line); padding: 1rem .5rem; background: var(--soft); }
    nav.side ul { list-style: none; margin: 0; padding: 0; }
    nav.side a { display: block; padding: .35rem .75rem; border-radius: 6px; color: var(--ink); text-decoration: none; }
    nav.side a:hover { background: #e8eaed; }
    nav.side a[aria-current=page] { background: var(--accent); color: var(--accent-ink); }
    nav.side .group { margin: 1rem .75rem .25rem; font-size: .75rem; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); }
    main { padding: 1.25rem 1.75rem 3rem; min-width: 0; max-width: 82rem; }
    h1 { font-size: 1.5rem; margin: 0 0 1rem; }
    h2 { font-size: 1.15rem; margin: 1.75rem 0 .5rem; }
    .heading { display: flex; align-items: center; gap: 1rem; flex-wrap: wrap; }
    .heading h1 { margin-right: auto; }
    table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
    th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
    th { font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); font-weight: 600; }
    td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
    tbody tr:hover { background: #fafafb; }
    code, pre, textarea.code { font: 13px/1.45 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
    pre { background: var(--soft); padding: .75rem; border-radius: 6px; overflow: auto; max-height: 32rem; margin: .25rem 0 1rem; }
    .muted { color: var(--muted); }
    .small { font-size: .85rem; }
    .badge { display: inline-block; padding: .05rem .5rem; border-radius: 999px; font-size: .8rem; background: var(--soft); border: 1px solid var(--line); white-space: nowrap; }
    .badge.good { background: var(--good-soft); color: var(--good); border-color: #b7dfc2; }
    .badge.bad { background: var(--bad-soft); color: var(--bad); border-color: #f4c7c3; }
    .badge.warn { background: var(--warn-soft); color: var(--warn); border-color: #f6d9a8; }
    .notice, .problem, .warning { padding: .75rem 1rem; border-radius: 8px; margin: 0 0 1rem; }
    .notice { background: var(--good-soft); border: 1px solid #b7dfc2; }
    .problem { background: var(--bad-soft); border: 1px solid #f4c7c3; }
    .warning { background: var(--warn-soft); border: 1px solid #f6d9a8; }
    .problem .code { font-family: ui-monospace, monospace; font-size: .85rem; }
    form.stack { display: grid; gap: .9rem; max-width: 44rem; }
    form.inline, .actions { display: flex; gap: .5rem; align-items: end; flex-wrap: wrap; margin: 0 0 1rem; }
    .actions form, .heading form { margin: 0; }
    form.inline label { display: grid; gap: .2rem; font-size: .85rem; color: var(--muted); }
    .field { display: grid; gap: .25rem; }
    .field > label, fieldset legend { font-weight: 600; }
    .field .hint { font-size: .85rem; color: var(--muted); }
    .field .error { color: var(--bad); font-size: .9rem; font-weight: 600; }
    .field.invalid input, .field.invalid textarea, .field.invalid select { border-color: var(--bad); }
    input[type=text], input[type=password], input[type=url], input[type=number], input[type=search], input[type=datetime-local], select, textarea {
      font: inherit; padding: .4rem .55rem; border: 1px solid #b8bcc4; border-radius: 6px; width: 100%; background: #fff; color: var(--ink);
    }
    form.inline input, form.inline select { width: auto; min-width: 9rem; }
    textarea { min-height: 6rem; resize: vertical; }
    textarea.code { min-height: 18rem; white-space: pre; tab-size: 2; }
    fieldset { border: 1px solid var(--line); border-radius: 8px; padding: .75rem 1rem 1rem; margin: 0; display: grid; gap: .9rem; }
    button, .button { font: inherit; padding: .4rem 1rem; border-radius: 6px; border: 1px solid #b8bcc4; background: #fff; color: var(--ink); cursor: pointer; text-decoration: none; display: inline-block; }
    button.primary, .button.primary { background: var(--accent); color: var(--accent-ink); border-color: var(--accent); }
    button.danger { background: var(--bad); color: #fff; border-color: var(--bad); }
    button.link { border: none; background: none; color: var(--accent); padding: 0; text-decoration: underline; }
    .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(13rem, 1fr)); gap: .75rem; margin: 0 0 1.5rem; }
    .card { border: 1px solid var(--line); border-radius: 8px; padding: .75rem 1rem; color: inherit; text-decoration: none; }
    a.card:hover { border-color: var(--accent); }
    .card .figure { font-size: 1.6rem; font-weight: 600; font-variant-numeric: tabular-nums; }
    .card .label { color: var(--muted); font-size: .85rem; }
    dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1.25rem; margin: 0 0 1rem; }
    dl.facts dt { color: var(--muted); }
    dl.facts dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
    .secret-once { border: 2px solid var(--accent); border-radius: 8px; padding: 1rem; margin: 0 0 1rem; background: #f0f5ff; }
    .secret-once .value { display: flex; gap: .5rem; align-items: center; margin: .35rem 0; }
    .secret-once code { background: #fff; padding: .3rem .5rem; border-radius: 4px; border: 1px solid var(--line); overflow-wrap: anywhere; }
    .flow { display: grid; grid-template-columns: 1fr auto 1fr auto 1fr; gap: .75rem; align-items: center; margin: .5rem 0 1.5rem; }
    .flow .column { border: 1px dashed var(--line); border-radius: 8px; padding: .75rem; min-height: 5rem; display: grid; gap: .5rem; align-content: start; }
    .flow .column h3 { margin: 0; font-size: .8rem; text-transform: uppercase; color: var(--muted); letter-spacing: .05em; }
    .flow .node { border: 1px solid var(--line); border-radius: 6px; padding: .4rem .6rem; background: #fff; display: flex; gap: .5rem; align-items: center; justify-content: space-between; }
    .flow .node form { margin: 0; }
    .flow .agent { border: 2px solid var(--accent); border-radius: 8px; padding: 1rem; text-align: center; font-weight: 600; }
    .flow .arrow { font-size: 1.5rem; color: var(--muted); }
    .trace { list-style: none; padding: 0; margin: 0 0 1rem; border-left: 3px solid var(--line); }
    .trace li { margin: 0 0 .75rem; padding-left: .9rem; }
    .trace .step { display: flex; gap: .75rem; flex-wrap: wrap; align-items: baseline; }
    .trace meter { width: 10rem; height: .6rem; }
    .editor { display: grid; grid-template-columns: auto 1fr; border: 1px solid #b8bcc4; border-radius: 6px; overflow: hidden; }
    .editor .lines { margin: 0; padding: .4rem .5rem; background: var(--soft); color: var(--muted); text-align: right; user-select: none; max-height: none; border-radius: 0; overflow: hidden; }
    .editor textarea { border: none; border-radius: 0; }
    .editor .lines .bad { color: var(--bad); font-weight: 700; }
    .pager { display: flex; gap: 1rem; margin: .5rem 0; }
    .signin { max-width: 26rem; margin: 12vh auto; padding: 1.5rem 2rem 2rem; border: 1px solid var(--line); border-radius: 12px; }
    .signin h1 { margin-bottom: .25rem; }
    @media (max-width: 60rem) {
      body { grid-template-columns: 1fr; }
      nav.side { border-right: none; border-bottom: 1px solid var(--line); }
      nav.side ul { display: flex; flex-wrap: wrap; gap: .25rem; }
      nav.side .group { display: none; }
      .flow { grid-template-columns: 1fr; }
      .flow .arrow { transform: rotate(90deg); text-align: center; }
    }
    """#
}
