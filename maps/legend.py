"""The map legend: plot status colours and infrastructure line styles, as a Leaflet control.

The legend is real HTML in the page (readable without JavaScript, testable by
rendering) that a small script moves into a map corner as an ``L.control``, so it
stacks with the zoom and scale controls instead of floating over them.
"""

from __future__ import annotations

from branca.element import MacroElement
from folium.template import Template
from markupsafe import Markup

from maps.messages import direction, label, t
from maps.styles import BUFFER_STYLE, INFRA_DASH, PLOT_STATUS_COLOURS, UNIT_STATUS_COLOURS


class Legend(MacroElement):
    """A legend control; ``body`` is trusted HTML (built by :func:`legend_html`)."""

    _template = Template(
        """
        {% macro html(this, kwargs) %}
        <div id="{{ this.get_name() }}" class="zones-legend leaflet-control">{{ this.body }}</div>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function () {
            var control = L.control({position: {{ this.position|tojson }}});
            control.onAdd = function () {
                var div = document.getElementById({{ this.get_name()|tojson }});
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            control.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, body: Markup, *, position: str = "bottomright") -> None:
        super().__init__()
        self._name = "Legend"
        self.body = body
        self.position = position


def legend_html(lang: str) -> Markup:
    """Legend body in ``lang``: every plot status with its colour, then line styles.

    Lists all statuses even when no plot has them, so the colours mean the same on
    every map. Labels come from the catalogue, but are escaped all the same.
    """
    statuses = Markup("").join(
        Markup('<li><span class="zones-swatch" style="background:{}"></span>{}</li>').format(
            colour, label("status", status, lang)
        )
        for status, colour in PLOT_STATUS_COLOURS.items()
    )
    lines = Markup("").join(
        _line_item(label("status", status, lang), dash) for status, dash in INFRA_DASH.items()
    )
    buffer = _line_item(t("legend.buffer", lang), BUFFER_STYLE["dashArray"], colour="#238b45")
    units = Markup("").join(
        Markup('<li><span class="zones-swatch zones-dot" style="background:{}"></span>{}</li>'
               ).format(colour, label("status", status, lang))
        for status, colour in UNIT_STATUS_COLOURS.items()
    )
    return Markup(
        '<div dir="{dir}"><h2>{plots}</h2><ul>{statuses}</ul>'
        "<h2>{infra}</h2><ul>{lines}{buffer}</ul>"
        "<h2>{units_title}</h2><ul>{units}</ul></div>"
    ).format(
        dir=direction(lang),
        plots=t("legend.plots", lang),
        statuses=statuses,
        infra=t("legend.infrastructure", lang),
        lines=lines,
        buffer=buffer,
        units_title=t("legend.units", lang),
        units=units,
    )


def _line_item(text: str, dash: str | None, *, colour: str = "#404040") -> Markup:
    # Inline SVG needs no xmlns inside HTML, which keeps http:// URLs out of the page.
    dash_attr = Markup(' stroke-dasharray="{}"').format(dash) if dash else Markup("")
    return Markup(
        '<li><svg class="zones-line" width="28" height="10" aria-hidden="true">'
        '<line x1="1" y1="5" x2="27" y2="5" stroke="{}" stroke-width="3"{}></line></svg>{}</li>'
    ).format(colour, dash_attr, text)
