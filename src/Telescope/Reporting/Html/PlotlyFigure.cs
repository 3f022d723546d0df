using System.Text.Json.Nodes;

namespace Telescope.Reporting.Html;

/// <summary>
/// The interactive twin of a figure: a plotly.js <c>{data, layout}</c> object built from the same <see cref="LineChart"/>
/// (or <see cref="StackedChart"/>) model that ScottPlot draws to PNG/SVG — same series, colours, dashes, markers,
/// flagged points, seed bands and log axes (docs/report-html.md). Points the PNG leaves out (non-finite, ≤ 0 on a log
/// axis) are left out here too. Hover shows x and y to six significant digits and the series name; clicking a legend
/// entry hides a series together with its band.
/// </summary>
internal static class PlotlyFigure
{
    // ScottPlot's Category10 palette (the PNG's colours), in order.
    private static readonly string[] Palette =
        ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

    private const string Hover = "x: %{x:.6~g}<br>y: %{y:.6~g}<extra>%{fullData.name}</extra>";

    /// <summary>The plotly figure of <paramref name="figure"/>, or null for a figure type without an interactive twin.</summary>
    public static JsonObject? From(IFigure figure) => figure switch
    {
        LineChart chart => Single(chart),
        StackedChart stacked => Stacked(stacked),
        _ => null,
    };

    private static JsonObject Single(LineChart chart)
    {
        var data = new JsonArray();
        AddTraces(data, chart, "x", "y", "");
        var layout = BaseLayout(chart.Title, chart.Width, chart.Height, chart.LegendOutside);
        layout["xaxis"] = Axis(chart.XLabel, chart.LogX);
        layout["yaxis"] = Axis(chart.YLabel, chart.LogY);
        return new JsonObject { ["data"] = data, ["layout"] = layout };
    }

    private static JsonObject Stacked(StackedChart stacked)
    {
        // One x axis under the lower panel, two y axes stacked: zooming x zooms both panels, as the PNG shares it.
        var data = new JsonArray();
        AddTraces(data, stacked.Top, "x", "y", "top: ");
        AddTraces(data, stacked.Bottom, "x", "y2", "bottom: ");
        var layout = BaseLayout("", stacked.Width, stacked.Height, stacked.Top.LegendOutside || stacked.Bottom.LegendOutside);
        var x = Axis(stacked.Bottom.XLabel, stacked.Bottom.LogX);
        x["anchor"] = "y2";
        layout["xaxis"] = x;
        var top = Axis(stacked.Top.YLabel, stacked.Top.LogY);
        top["domain"] = new JsonArray(0.56, 1.0);
        var bottom = Axis(stacked.Bottom.YLabel, stacked.Bottom.LogY);
        bottom["domain"] = new JsonArray(0.0, 0.44);
        layout["yaxis"] = top;
        layout["yaxis2"] = bottom;
        var titles = new JsonArray();
        if (stacked.Top.Title.Length > 0) titles.Add(PanelTitle(stacked.Top.Title, 1.0));
        if (stacked.Bottom.Title.Length > 0) titles.Add(PanelTitle(stacked.Bottom.Title, 0.44));
        layout["annotations"] = titles;
        return new JsonObject { ["data"] = data, ["layout"] = layout };
    }

    private static JsonObject PanelTitle(string text, double y) => new()
    {
        ["text"] = text, ["xref"] = "paper", ["yref"] = "paper", ["x"] = 0.5, ["y"] = y,
        ["xanchor"] = "center", ["yanchor"] = "bottom", ["showarrow"] = false, ["font"] = new JsonObject { ["size"] = 15 },
    };

    private static JsonObject BaseLayout(string title, int width, int height, bool legendOutside)
    {
        var layout = new JsonObject
        {
            ["height"] = height,
            ["autosize"] = true,
            ["hovermode"] = "closest",
            ["margin"] = new JsonObject { ["t"] = title.Length > 0 ? 50 : 30, ["r"] = 20 },
            ["legend"] = legendOutside
                ? new JsonObject { ["x"] = 1.02, ["y"] = 1, ["xanchor"] = "left" }
                : new JsonObject { ["bgcolor"] = "rgba(255,255,255,0.7)" },
            ["meta"] = new JsonObject { ["pngWidth"] = width },
        };
        if (title.Length > 0) layout["title"] = new JsonObject { ["text"] = title };
        return layout;
    }

    private static JsonObject Axis(string label, bool log)
    {
        var axis = new JsonObject { ["type"] = log ? "log" : "linear", ["exponentformat"] = "power", ["zeroline"] = false };
        if (label.Length > 0) axis["title"] = new JsonObject { ["text"] = label };
        return axis;
    }

    private static void AddTraces(JsonArray data, LineChart chart, string xAxis, string yAxis, string groupPrefix)
    {
        var series = chart.Series;
        bool Drawable(double x, double y) => double.IsFinite(x) && double.IsFinite(y) && (!chart.LogX || x > 0) && (!chart.LogY || y > 0);
        string Group(int i) => $"{groupPrefix}{i}";
        string Color(int i) => Palette[(series[i].ColorGroup ?? i) % Palette.Length];

        // Bands first, so the lines are drawn over them (as in the PNG).
        foreach (var band in chart.Bands)
        {
            var xs = new JsonArray(); var lo = new JsonArray(); var hi = new JsonArray();
            for (int k = 0; k < band.X.Count; k++)
            {
                double x = band.X[k], l = band.Lower[k], u = band.Upper[k];
                if (!double.IsFinite(x) || !double.IsFinite(l) || !double.IsFinite(u) || (chart.LogX && x <= 0)) continue;
                if (chart.LogY && u <= 0) continue;
                if (chart.LogY && l <= 0) l = u / 10;   // as the PNG: one decade deep where the lower bound is not drawable
                xs.Add(x); lo.Add(l); hi.Add(u);
            }
            if (xs.Count == 0) continue;
            string name = series[band.SeriesIndex].Label;
            string color = Color(band.SeriesIndex);
            data.Add(BandEdge(xs, hi, $"{name} (upper)", color, xAxis, yAxis, Group(band.SeriesIndex), fill: false));
            data.Add(BandEdge(xs.DeepClone().AsArray(), lo, $"{name} (lower)", color, xAxis, yAxis, Group(band.SeriesIndex), fill: true));
        }
        for (int i = 0; i < series.Count; i++)
        {
            var s = series[i];
            var xs = new JsonArray(); var ys = new JsonArray();
            for (int k = 0; k < s.X.Count; k++)
                if (Drawable(s.X[k], s.Y[k])) { xs.Add(s.X[k]); ys.Add(s.Y[k]); }
            string color = Color(i);
            var trace = new JsonObject
            {
                ["type"] = "scatter", ["name"] = s.Label.Length > 0 ? s.Label : $"series {i + 1}", ["showlegend"] = s.Label.Length > 0,
                ["x"] = xs, ["y"] = ys, ["xaxis"] = xAxis, ["yaxis"] = yAxis, ["legendgroup"] = Group(i),
                ["hovertemplate"] = Hover,
            };
            if (s.Flagged)
            {
                trace["mode"] = "markers";
                trace["marker"] = new JsonObject { ["symbol"] = "x-thin-open", ["size"] = 12, ["color"] = color, ["line"] = new JsonObject { ["width"] = 2, ["color"] = color } };
            }
            else
            {
                trace["mode"] = s.Markers ? "lines+markers" : "lines";
                trace["line"] = new JsonObject { ["color"] = color, ["width"] = 2, ["dash"] = s.Dashed ? "dash" : "solid" };
                if (s.Markers) trace["marker"] = new JsonObject { ["size"] = 7, ["color"] = color };
            }
            data.Add(trace);
        }
    }

    private static JsonObject BandEdge(JsonArray xs, JsonArray ys, string name, string color, string xAxis, string yAxis, string group, bool fill)
    {
        var edge = new JsonObject
        {
            ["type"] = "scatter", ["mode"] = "lines", ["name"] = name, ["showlegend"] = false, ["legendgroup"] = group,
            ["x"] = xs, ["y"] = ys, ["xaxis"] = xAxis, ["yaxis"] = yAxis,
            ["line"] = new JsonObject { ["width"] = 0, ["color"] = color }, ["hovertemplate"] = Hover,
        };
        if (fill)
        {
            edge["fill"] = "tonexty";   // to the upper edge added just before
            edge["fillcolor"] = Rgba(color, 0.2);
        }
        return edge;
    }

    private static string Rgba(string hex, double alpha) =>
        $"rgba({Convert.ToInt32(hex[1..3], 16)},{Convert.ToInt32(hex[3..5], 16)},{Convert.ToInt32(hex[5..7], 16)},{alpha.ToString(System.Globalization.CultureInfo.InvariantCulture)})";
}
