// The page shell: inline CSS only, no script, no external font, image or stylesheet, so the file reads offline.
import { esc } from './escape.js';

const CSS = `
body{font:14px/1.45 "DejaVu Sans","Liberation Sans",Arial,sans-serif;color:#1d2430;margin:0;background:#fff}
header{background:#1d2430;color:#fff;padding:14px 24px}header h1{margin:0;font-size:20px}header .sub{color:#c9d1dc}
main{padding:8px 24px 40px;max-width:1500px}
h2{border-bottom:2px solid #d8dee8;padding-bottom:4px;margin-top:28px}h3{margin:18px 0 6px}
.sub{color:#5b6675;font-size:12px;font-weight:normal}.legend{color:#5b6675;font-size:12.5px}
.ok{color:#17693a}.bad,.fail{color:#a3131f}
code{font-size:12.5px;background:#f1f4f8;padding:0 3px;border-radius:3px}
pre{background:#f6f8fa;padding:8px;overflow:auto;font-size:12px;max-height:320px}
table{border-collapse:collapse;font-size:13px}th,td{border:1px solid #d8dee8;padding:4px 8px;vertical-align:top;text-align:left}
thead th{background:#f1f4f8}td.num{text-align:right;font-variant-numeric:tabular-nums}
.scroll{overflow-x:auto}
.matrix td.verdict{text-align:center;white-space:nowrap}
.matrix td.pass{background:#e3f4e8;color:#17693a}.matrix td.fail,.matrix td.error{background:#fbe3e5;color:#a3131f}
.matrix td.skip,.matrix td.missing{background:#f4f4f4;color:#777}
.matrix td.changed{box-shadow:inset 4px 0 0 #d48a00;font-weight:bold}
.delta{display:block;font-size:11px;font-weight:normal;color:#8a5a00}.legend .delta{display:inline}
.matrix tr.row-failed th{background:#fbe3e5}
#changes ul{margin:4px 0 8px}#changes li{margin:2px 0}
h3.failure,h3.regression{color:#a3131f}h3.improvement{color:#17693a}
.bench-group{margin-bottom:18px}
figure.chart{margin:10px 0;overflow-x:auto}figure.chart svg{max-width:none}
details{margin:6px 0}details>summary{cursor:pointer}
details.provenance{border:1px solid #d8dee8;border-radius:4px;padding:6px 10px}
table.kv th{width:180px;background:#f8f9fb;font-weight:normal;color:#5b6675}
`;

export function page(title: string, subtitle: string, sections: readonly string[]): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body><header><h1>${esc(title)}</h1><div class="sub">${esc(subtitle)}</div></header>
<main>${sections.join('\n')}</main></body></html>
`;
}
