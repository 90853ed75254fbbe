"""The flow diagram: interactions as boxes, routes as labelled arrows, drawn as inline
SVG on the server (no JavaScript).

`graph(doc)` reads the routes of a draft (the engine's rules: no routing goes to
the next interaction, the last one ends; an `end` action stops). `layout(graph)`
is a small layered (Sugiyama-style) layout: back edges found by a depth-first
walk from the start are drawn up the right-hand side, every other edge points
down; layers are longest paths, long edges pass through virtual points so they
do not cross boxes, and each layer is ordered by its parents' positions.
`render_svg(doc, ...)` puts it together.
"""

from dataclasses import dataclass, field
from html import escape

from parley.bots.routing_form import describe_condition

END = "__end__"
START = "__start__"
NODE_W, NODE_H = 220, 58
GAP_X, GAP_Y = 44, 70
VIRTUAL_W = 22
MARGIN = 24
BACK_LANE = 26
KIND_STYLE = {
    # kind: (letter, colour, label)
    "message": ("M", "#0284c7", "Message"),
    "question": ("Q", "#4f46e5", "Question"),
    "action": ("A", "#d97706", "Action"),
    "booking": ("B", "#059669", "Booking"),
    "handoff": ("H", "#db2777", "Handoff"),
}


@dataclass
class Node:
    key: str
    index: int | None
    interaction_id: str
    kind: str
    caption: str
    text: str
    error: bool = False
    layer: int = 0
    order: float = 0
    x: float = 0
    y: float = 0
    width: float = NODE_W
    virtual: bool = False


@dataclass
class Edge:
    source: str
    target: str
    label: str
    kind: str  # next | goto | rule | otherwise | end | missing
    back: bool = False
    points: list[tuple[float, float]] = field(default_factory=list)


@dataclass
class Graph:
    nodes: dict[str, Node]
    edges: list[Edge]
    width: float = 0
    height: float = 0


def graph(doc: dict, error_indexes=frozenset()) -> Graph:
    items = [i for i in doc.get("interactions", []) if isinstance(i, dict)]
    first: dict[str, str] = {}
    nodes: dict[str, Node] = {}
    for index, item in enumerate(items):
        key = f"n{index}"
        first.setdefault(str(item.get("id")), key)
        nodes[key] = Node(
            key,
            index,
            str(item.get("id")),
            str(item.get("type")),
            _caption(item),
            _short_text(item),
            error=index in error_indexes,
        )
    edges: list[Edge] = []
    start = first.get(doc.get("start") or "")
    if start:
        edges.append(Edge(START, start, "", "start"))
    for index, item in enumerate(items):
        source = f"n{index}"
        following = f"n{index + 1}" if index + 1 < len(items) else END

        def to(target: str, label: str, kind: str, source=source, following=following):
            if target == "next":
                key = following
            elif target == "end":
                key = END
            else:
                key = first.get(target)
            if key is None:
                key = f"missing:{target}"
                nodes.setdefault(
                    key,
                    Node(
                        key,
                        None,
                        target,
                        "missing",
                        "unknown",
                        f"no interaction “{target}”",
                        error=True,
                    ),
                )
                kind = "missing"
            edges.append(Edge(source, key, label, "end" if key == END else kind))

        routing = item.get("routing")
        if item.get("type") == "action" and item.get("action") == "end":
            edges.append(Edge(source, END, "ends", "end"))
        elif not isinstance(routing, dict):
            to("next", "end" if following == END else "next", "next")
        elif "next" in routing:
            target = routing["next"]
            to(target, "end" if target == "end" else "next", "goto")
        else:
            for rule in routing.get("rules", []):
                if isinstance(rule, dict):
                    label = describe_condition(rule.get("when"), str(item.get("id")))
                    to(str(rule.get("go_to")), label, "rule")
            to(str(routing.get("otherwise", "next")), "otherwise", "otherwise")
    if any(e.target == END for e in edges):
        nodes[END] = Node(END, None, "end", "end", "", "End")
    if start:
        nodes[START] = Node(START, None, "start", "start", "", "Start")
    return Graph(nodes, edges)


def _caption(item: dict) -> str:
    kind = item.get("type")
    if kind == "question":
        return str(item.get("input", "")).replace("_", " ")
    if kind == "action":
        return str(item.get("action", "")).replace("_", " ")
    if kind == "booking":
        return f"calendar {item.get('calendar') or '?'}"
    return ""


def _short_text(item: dict) -> str:
    kind = item.get("type")
    if kind == "action":
        action = item.get("action")
        detail = {
            "set_status": item.get("status"),
            "set_field": f"{item.get('field')} = {item.get('value')}",
            "assign_owner": item.get("user"),
            "webhook": item.get("name"),
            "go_to_url": item.get("url"),
            "notify": "email the owner",
            "end": "end the conversation",
        }.get(action)
        return str(detail or "")
    return " ".join(str(item.get("text") or "").split())


# -- layout -------------------------------------------------------------------
def layout(g: Graph) -> Graph:
    real = [e for e in g.edges if e.source in g.nodes and e.target in g.nodes]
    _mark_back_edges(g, real)
    forward = [e for e in real if not e.back]
    _assign_layers(g, forward)
    chains = _add_virtual_nodes(g, forward)
    layers = _order_layers(g, chains)
    _place(g, layers)
    _route(g, real, chains)
    return g


def _mark_back_edges(g: Graph, edges: list[Edge]) -> None:
    out: dict[str, list[Edge]] = {}
    for e in edges:
        out.setdefault(e.source, []).append(e)
    roots = [k for k in (START,) if k in g.nodes] + sorted(
        (k for k, n in g.nodes.items() if n.index is not None), key=lambda k: g.nodes[k].index
    )
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    for root in roots:
        if root in state:
            continue
        stack = [(root, iter(out.get(root, [])))]
        state[root] = 1
        while stack:
            node, children = stack[-1]
            edge = next(children, None)
            if edge is None:
                state[node] = 2
                stack.pop()
            elif state.get(edge.target) == 1:
                edge.back = True
            elif edge.target not in state:
                state[edge.target] = 1
                stack.append((edge.target, iter(out.get(edge.target, []))))


def _assign_layers(g: Graph, edges: list[Edge]) -> None:
    incoming = {k: 0 for k in g.nodes}
    out: dict[str, list[str]] = {}
    for e in edges:
        incoming[e.target] += 1
        out.setdefault(e.source, []).append(e.target)
    ready = sorted((k for k, n in incoming.items() if n == 0), key=_sort_key(g))
    for key in ready:
        g.nodes[key].layer = 0
    while ready:
        key = ready.pop(0)
        for target in out.get(key, []):
            g.nodes[target].layer = max(g.nodes[target].layer, g.nodes[key].layer + 1)
            incoming[target] -= 1
            if incoming[target] == 0:
                ready.append(target)
    if END in g.nodes:
        g.nodes[END].layer = max(n.layer for k, n in g.nodes.items() if k != END) + 1


def _sort_key(g: Graph):
    def key(k: str):
        node = g.nodes[k]
        return (
            0 if k == START else 2 if k == END else 1,
            node.index if node.index is not None else 10**6,
            k,
        )

    return key


def _add_virtual_nodes(g: Graph, edges: list[Edge]) -> dict[int, list[str]]:
    """A chain of virtual nodes for each edge spanning more than one layer."""
    chains: dict[int, list[str]] = {}
    for n, e in enumerate(edges):
        top, bottom = g.nodes[e.source].layer, g.nodes[e.target].layer
        chain = [e.source]
        for layer in range(top + 1, bottom):
            key = f"v{n}_{layer}"
            g.nodes[key] = Node(
                key, None, "", "virtual", "", "", layer=layer, width=VIRTUAL_W, virtual=True
            )
            chain.append(key)
        chain.append(e.target)
        chains[id(e)] = chain
    return chains


def _order_layers(g: Graph, chains: dict[int, list[str]]) -> list[list[str]]:
    depth = max((n.layer for n in g.nodes.values()), default=0) + 1
    layers: list[list[str]] = [[] for _ in range(depth)]
    for key in sorted(g.nodes, key=_sort_key(g)):
        layers[g.nodes[key].layer].append(key)
    parents: dict[str, list[str]] = {}
    for chain in chains.values():
        for a, b in zip(chain, chain[1:], strict=False):
            parents.setdefault(b, []).append(a)
    for layer in layers:
        for position, key in enumerate(layer):
            g.nodes[key].order = position
    for _sweep in range(2):
        for layer in layers[1:]:

            def barycentre(key: str):
                above = parents.get(key, [])
                if not above:
                    return g.nodes[key].order
                return sum(g.nodes[p].order for p in above) / len(above)

            layer.sort(key=lambda k: (barycentre(k), g.nodes[k].order))
            for position, key in enumerate(layer):
                g.nodes[key].order = position
    return layers


def _place(g: Graph, layers: list[list[str]]) -> None:
    widths = [
        sum(g.nodes[k].width for k in layer) + GAP_X * max(len(layer) - 1, 0) for layer in layers
    ]
    widest = max(widths, default=NODE_W)
    y = MARGIN
    for layer, width in zip(layers, widths, strict=False):
        x = MARGIN + (widest - width) / 2
        small = all(g.nodes[k].kind in ("start", "end") or g.nodes[k].virtual for k in layer)
        height = 34 if small else NODE_H
        for key in layer:
            node = g.nodes[key]
            node.x, node.y = x, y
            x += node.width + GAP_X
        for key in layer:
            if g.nodes[key].kind in ("start", "end"):
                g.nodes[key].y = y + (height - 30) / 2
        y += height + GAP_Y
    g.width = widest + 2 * MARGIN
    g.height = y - GAP_Y + MARGIN


def _height(node: Node) -> float:
    if node.kind in ("start", "end"):
        return 30
    return 0 if node.virtual else NODE_H


def _route(g: Graph, edges: list[Edge], chains: dict[int, list[str]]) -> None:
    lane = 0
    right = g.width - MARGIN
    for e in edges:
        source, target = g.nodes[e.source], g.nodes[e.target]
        if e.back:
            lane += 1
            x = right + BACK_LANE * lane
            sy = source.y + _height(source) / 2
            ty = target.y + _height(target) / 2
            e.points = [
                (source.x + source.width, sy),
                (x, sy),
                (x, ty),
                (target.x + target.width, ty),
            ]
            continue
        chain = chains[id(e)]
        points = [(source.x + source.width / 2, source.y + _height(source))]
        for key in chain[1:-1]:
            node = g.nodes[key]
            points.append((node.x + node.width / 2, node.y + NODE_H / 2))
        points.append((target.x + target.width / 2, target.y))
        e.points = points
    g.width += BACK_LANE * lane + (40 if lane else 0)


# -- drawing ------------------------------------------------------------------
def render_svg(doc: dict, error_indexes=frozenset(), link: str | None = "?edit={index}") -> str:
    g = layout(graph(doc, error_indexes))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="flow-diagram" role="img" '
        f'aria-label="Flow diagram" width="{g.width:.0f}" height="{g.height:.0f}" '
        f'viewBox="0 0 {g.width:.0f} {g.height:.0f}">',
        "<defs>"
        '<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#64748b"/></marker>'
        '<marker id="arrow-bad" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#b42318"/></marker></defs>',
    ]
    labels = []
    for e in g.edges:
        if not e.points:
            continue
        css = f"edge edge-{e.kind}" + (" edge-back" if e.back else "")
        marker = "arrow-bad" if e.kind == "missing" else "arrow"
        parts.append(
            f'<path class="{css}" data-source="{escape(e.source)}" '
            f'data-target="{escape(e.target)}" d="{_path(e.points, e.back)}" '
            f'marker-end="url(#{marker})"><title>{escape(e.label)}</title></path>'
        )
        if e.label:
            labels.append(_label(e))
    parts.extend(labels)
    for node in g.nodes.values():
        if not node.virtual:
            parts.append(_node(node, link))
    parts.append("</svg>")
    return "".join(parts)


def _path(points: list[tuple[float, float]], back: bool) -> str:
    if back:
        (x0, y0), (x1, _), (_, y2), (x3, y3) = points
        r = min(12, abs(y2 - y0) / 2) if y2 != y0 else 10
        if y2 == y0:  # a loop back to itself
            return (
                f"M{x0:.1f},{y0 - 8:.1f} C{x1:.1f},{y0 - 30:.1f} {x1:.1f},{y0 + 30:.1f} "
                f"{x3:.1f},{y3 + 8:.1f}"
            )
        up = -1 if y2 < y0 else 1
        return (
            f"M{x0:.1f},{y0:.1f} L{x1 - r:.1f},{y0:.1f} Q{x1:.1f},{y0:.1f} "
            f"{x1:.1f},{y0 + up * r:.1f} L{x1:.1f},{y2 - up * r:.1f} Q{x1:.1f},{y2:.1f} "
            f"{x1 - r:.1f},{y2:.1f} L{x3 + 2:.1f},{y3:.1f}"
        )
    d = f"M{points[0][0]:.1f},{points[0][1]:.1f}"
    for (xa, ya), (xb, yb) in zip(points, points[1:], strict=False):
        mid = (ya + yb) / 2
        d += f" C{xa:.1f},{mid:.1f} {xb:.1f},{mid:.1f} {xb:.1f},{yb:.1f}"
    return d


def _label(e: Edge) -> str:
    text = e.label if len(e.label) <= 30 else e.label[:29] + "…"
    if e.back:
        (_, y0), (x, _), (_, y2), _ = e.points
        cx, cy = x, (y0 + y2) / 2 if y0 != y2 else y0
    else:
        (xa, ya), (xb, yb) = e.points[0], e.points[1]
        t = 0.45 if len(e.points) == 2 else 0.6
        cx, cy = xa + (xb - xa) * t, ya + (yb - ya) * t
    width = 6.4 * len(text) + 12
    css = "edge-label" + (" muted" if e.kind in ("next", "end", "goto") else "")
    return (
        f'<g class="{css}"><title>{escape(e.label)}</title>'
        f'<rect x="{cx - width / 2:.1f}" y="{cy - 9:.1f}" width="{width:.1f}" height="18" '
        f'rx="9"/><text x="{cx:.1f}" y="{cy + 4:.1f}" text-anchor="middle">{escape(text)}'
        "</text></g>"
    )


def _node(node: Node, link: str | None) -> str:
    if node.kind in ("start", "end"):
        w = 64
        cx = node.x + node.width / 2
        node_x = cx - w / 2
        return (
            f'<g class="node node-{node.kind}" data-key="{node.key}">'
            f'<rect x="{node_x:.1f}" y="{node.y:.1f}" width="{w}" height="30" rx="15"/>'
            f'<text x="{cx:.1f}" y="{node.y + 19:.1f}" text-anchor="middle">{node.text}</text></g>'
        )
    letter, colour, kind_label = KIND_STYLE.get(node.kind, ("!", "#b42318", "Missing"))
    text = node.text if len(node.text) <= 28 else node.text[:27] + "…"
    title = f"{node.interaction_id} ({kind_label.lower()}"
    title += f", {node.caption})" if node.caption else ")"
    if node.text:
        title += f": {node.text}"
    x, y = node.x, node.y
    css = "node" + (" node-error" if node.error else "") + f" node-{node.kind}"
    body = (
        f'<g class="{css}" data-id="{escape(node.interaction_id)}" data-key="{node.key}">'
        f"<title>{escape(title)}</title>"
        f'<rect class="box" x="{x:.1f}" y="{y:.1f}" width="{NODE_W}" height="{NODE_H}" rx="8"/>'
        f'<rect x="{x:.1f}" y="{y:.1f}" width="5" height="{NODE_H}" rx="2" fill="{colour}"/>'
        f'<circle cx="{x + 20:.1f}" cy="{y + 19:.1f}" r="10" fill="{colour}"/>'
        f'<text class="icon" x="{x + 20:.1f}" y="{y + 23:.1f}" text-anchor="middle">{letter}</text>'
        f'<text class="id" x="{x + 36:.1f}" y="{y + 23:.1f}">{escape(_fit(node.interaction_id, 14))}'
        "</text>"
        f'<text class="caption" x="{x + NODE_W - 10:.1f}" y="{y + 23:.1f}" text-anchor="end">'
        f"{escape(_fit(node.caption or kind_label.lower(), 16))}</text>"
        f'<text class="text" x="{x + 12:.1f}" y="{y + 46:.1f}">{escape(text)}</text></g>'
    )
    if link and node.index is not None:
        href = escape(link.format(index=node.index))
        return f'<a href="{href}" aria-label="Edit {escape(node.interaction_id)}">{body}</a>'
    return body


def _fit(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"
