/// The HTML report's style sheet: light and dark (prefers-color-scheme), and printable (folded
/// sessions print open; the diagram keeps its colours' meaning in black and white through line
/// styles: a dashed arrow that stops with a cross is unanswered).
enum HTMLStyle {
    /// What a finding's highlighted frames get (see `HTMLPage.findings`).
    static let highlight = "{color:var(--hi);font-weight:700}"

    static let css = """
        :root{--bg:#fff;--fg:#1d2025;--muted:#5b6270;--line:#9aa3b0;--ok:#1a7f37;--bad:#c0262d;--warn:#9a6700;\
        --band:#e8eef8;--hi:#d4380d;--focus:#0b57d0;color-scheme:light dark}
        @media (prefers-color-scheme:dark){:root{--bg:#16181d;--fg:#e3e6ea;--muted:#9aa3b0;--line:#5b6270;\
        --ok:#4ac26b;--bad:#ff6b6b;--warn:#e3b341;--band:#233048;--hi:#ff9c6e;--focus:#8ab4f8}}
        body{background:var(--bg);color:var(--fg);font:15px/1.45 system-ui,sans-serif;margin:1.5rem auto;max-width:76rem;padding:0 1rem}
        h1{font-size:1.4rem;margin:0}h2{font-size:1.2rem;border-bottom:1px solid var(--line);padding-bottom:.2rem}
        h3{font-size:1.05rem;margin:.6rem 0 .2rem}.sh{display:inline;margin:0}h4{margin:.8rem 0 .2rem}
        .muted,figcaption,.meta{color:var(--muted)}figcaption{font-size:.85rem}
        .v-connected{color:var(--ok)}.v-failed{color:var(--bad)}.v-incomplete{color:var(--warn)}
        .verdict{display:block;font-weight:600}
        .session{border:1px solid var(--line);border-radius:6px;padding:.5rem .8rem;margin:.8rem 0}
        summary{cursor:pointer}
        .pair{display:flex;flex-wrap:wrap;gap:1rem;align-items:flex-start}
        figure{margin:.5rem 0;overflow-x:auto;max-width:100%}.diagram figcaption{width:0;min-width:100%}
        svg.ladder{font:12px ui-monospace,"DejaVu Sans Mono",monospace;color:var(--fg)}
        svg .head,svg .addr{fill:var(--fg)}svg .addr{fill:var(--muted);font-size:11px}
        svg .life{stroke:var(--line);stroke-dasharray:4 3}svg .axis{stroke:var(--line)}
        svg .time{fill:var(--muted);font-size:11px}svg .gap{fill:var(--muted);font-size:10px}
        svg .fr,svg .note{fill:var(--muted);font-size:10px}svg .lost .note{fill:currentColor}
        svg .msg line{stroke:currentColor;stroke-width:1.5}svg .msg .head{fill:currentColor;stroke:none}
        svg .msg .lbl,svg .band .lbl{fill:currentColor}
        svg .lost{color:var(--bad)}svg .lost line{stroke-dasharray:6 3}svg .stop{stroke:currentColor;stroke-width:2.5;fill:none}
        svg .band rect{fill:var(--band);stroke:currentColor;stroke-width:.5}svg .band.oneway{color:var(--warn)}
        svg g:focus{outline:none}svg g:focus .lbl,svg g:hover .lbl{text-decoration:underline}
        svg g:focus line,svg g:focus rect{stroke-width:3}
        .stages{list-style:none;padding:0;margin:.5rem 0;min-width:13rem;flex:1}.stages li{margin:.15rem 0}
        .mark{display:inline-block;width:1.2em;text-align:center}
        .st-ok .mark{color:var(--ok)}.st-failed .mark,.st-failed b{color:var(--bad)}.st-incomplete .mark{color:var(--warn)}
        .st-notReached,.st-notSeen,.st-notObservable{color:var(--muted)}
        .sr{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%)}
        .findings{padding-left:1rem}.findings>li{margin:.4rem 0}
        a.finding{color:inherit;text-decoration:none}a.finding:hover,a.finding:focus,a.finding:target{text-decoration:underline}
        a:focus-visible,svg g:focus-visible{outline:2px solid var(--focus);outline-offset:2px}
        .tag{font-weight:700}.sev-error .tag{color:var(--bad)}.sev-warning .tag{color:var(--warn)}.sev-info .tag{color:var(--muted)}
        .evidence{color:var(--muted);font-size:.9rem}.advice li::marker{content:"→ "}
        code{font-size:.85em;color:var(--muted)}
        table.summary{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}
        .summary th,.summary td{border:1px solid var(--line);padding:.2rem .5rem;text-align:left;vertical-align:top}
        caption{text-align:left;font-weight:600}
        @media print{:root{--bg:#fff;--fg:#000;--muted:#444;--line:#888;--band:#eee}
        body{max-width:none;margin:0}details::details-content{content-visibility:visible;display:contents}
        summary{list-style:none}.session{break-inside:avoid-page}figure{overflow:visible}}

        """
}
