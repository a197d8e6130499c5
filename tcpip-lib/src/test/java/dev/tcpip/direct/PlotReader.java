package dev.tcpip.direct;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * Reads a {@link TimeSequencePlot} back with the JDK's XML parser, for tests: the panels' pixel rectangles and the
 * values at their edges, and each series' paths as points in pixels (M, H and V commands, as the plot writes them).
 */
public final class PlotReader {

    /** A panel: its pixel rectangle, the times at its left and right edges, the values at its bottom and top. */
    public record Panel(double x, double y, double width, double height, long t0, long t1, double v0, double v1) {
        /** The time at pixel column {@code px}, in nanoseconds of the stack's clock. */
        public double time(double px) {
            return t0 + (px - x) / width * (t1 - t0);
        }

        /** The value at pixel row {@code py}. */
        public double value(double py) {
            return v0 + (y + height - py) / height * (v1 - v0);
        }

        /** Nanoseconds per pixel. */
        public double timePerPixel() {
            return (t1 - t0) / width;
        }

        /** Value units per pixel. */
        public double valuePerPixel() {
            return (v1 - v0) / height;
        }

        /** Whether the point lies in the rectangle, borders included (to the writer's rounding). */
        public boolean inside(double[] p) {
            double e = 0.011;
            return p[0] >= x - e && p[0] <= x + width + e && p[1] >= y - e && p[1] <= y + height + e;
        }
    }

    private final Document doc;

    private PlotReader(Document doc) {
        this.doc = doc;
    }

    /** Parses {@code svg}; throws if it is not well-formed XML. */
    public static PlotReader parse(String svg) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            return new PlotReader(f.newDocumentBuilder()
                    .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8))));
        } catch (Exception e) {
            throw new AssertionError("the plot is not well-formed XML: " + e, e);
        }
    }

    public Element root() {
        return doc.getDocumentElement();
    }

    /** The group with this id; throws if there is none. */
    public Element group(String id) {
        NodeList gs = doc.getElementsByTagNameNS("*", "g");
        for (int i = 0; i < gs.getLength(); i++) {
            Element g = (Element) gs.item(i);
            if (id.equals(g.getAttribute("id"))) {
                return g;
            }
        }
        throw new AssertionError("no group " + id + " in the plot");
    }

    public Panel panel(String id) {
        Element g = group(id);
        return new Panel(num(g, "data-x"), num(g, "data-y"), num(g, "data-width"), num(g, "data-height"),
                Long.parseLong(g.getAttribute("data-t0")), Long.parseLong(g.getAttribute("data-t1")),
                num(g, "data-v0"), num(g, "data-v1"));
    }

    private static double num(Element g, String attribute) {
        return Double.parseDouble(g.getAttribute(attribute));
    }

    /** The {@code path} elements directly in the group. */
    public List<Element> paths(String id) {
        List<Element> out = new ArrayList<>();
        for (Node n = group(id).getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getLocalName().equals("path")) {
                out.add(e);
            }
        }
        return out;
    }

    /** Every point of every path of the group, in order. */
    public List<double[]> points(String id) {
        List<double[]> out = new ArrayList<>();
        for (Element p : paths(id)) {
            out.addAll(pathPoints(p.getAttribute("d")));
        }
        return out;
    }

    /** The vertical bars of the group's paths ("M x y V y2" pairs): {x, y top or bottom, y other end}. */
    public List<double[]> bars(String id) {
        List<double[]> out = new ArrayList<>();
        for (Element p : paths(id)) {
            List<double[]> pts = pathPoints(p.getAttribute("d"));
            if (pts.size() % 2 != 0) {
                throw new AssertionError("bars come in pairs of points: " + p.getAttribute("d"));
            }
            for (int i = 0; i < pts.size(); i += 2) {
                if (pts.get(i)[0] != pts.get(i + 1)[0]) {
                    throw new AssertionError("a bar is vertical: " + p.getAttribute("d"));
                }
                out.add(new double[] {pts.get(i)[0], pts.get(i)[1], pts.get(i + 1)[1]});
            }
        }
        return out;
    }

    /** The absolute points of a path made of M, H and V commands. */
    public static List<double[]> pathPoints(String d) {
        List<double[]> out = new ArrayList<>();
        double x = 0;
        double y = 0;
        int i = 0;
        while (i < d.length()) {
            char c = d.charAt(i++);
            if (c == ' ') {
                continue;
            }
            int[] end = {i};
            switch (c) {
                case 'M' -> {
                    x = number(d, end);
                    y = number(d, end);
                }
                case 'H' -> x = number(d, end);
                case 'V' -> y = number(d, end);
                default -> throw new AssertionError("unexpected path command " + c + " in " + d);
            }
            i = end[0];
            out.add(new double[] {x, y});
        }
        return out;
    }

    private static double number(String d, int[] at) {
        int i = at[0];
        while (i < d.length() && d.charAt(i) == ' ') {
            i++;
        }
        int start = i;
        while (i < d.length() && (Character.isDigit(d.charAt(i)) || d.charAt(i) == '.' || d.charAt(i) == '-'
                || d.charAt(i) == 'e' || d.charAt(i) == 'E')) {
            i++;
        }
        at[0] = i;
        return Double.parseDouble(d.substring(start, i));
    }
}
