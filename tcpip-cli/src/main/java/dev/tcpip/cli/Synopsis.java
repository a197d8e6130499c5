package dev.tcpip.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.UsageMessageSpec;

/**
 * The usage line of {@code --help}, wrapped between options only. picocli wraps the synopsis like prose, with the
 * JDK's line breaker, which breaks inside an option's label ({@code [--gateway=A.} / {@code B.C.D]},
 * {@code [--publish=[tcp:|udp:]} / {@code HOSTPORT:GUESTPORT]...}); this renderer takes picocli's synopsis,
 * joins it back into one line (a break inside brackets is glued back without a space) and wraps it at the help's
 * width between the top-level elements, continuation lines under the first option as picocli aligns them.
 */
final class Synopsis {

    private Synopsis() {
    }

    /** Installs the renderer on {@code cl} and every subcommand. */
    static void install(CommandLine cl) {
        cl.getHelpSectionMap().put(UsageMessageSpec.SECTION_KEY_SYNOPSIS, Synopsis::render);
        cl.getSubcommands().values().forEach(Synopsis::install);
    }

    private static String render(CommandLine.Help help) {
        String wrapped = help.synopsis(0);
        if (wrapped.contains("\u001b[")) {
            return wrapped; // coloured for a terminal: widths are not text lengths; leave it as picocli made it
        }
        String heading = help.commandSpec().usageMessage().synopsisHeading(); // "Usage: ", printed before this
        String prefix = help.commandSpec().qualifiedName() + " ";
        return wrap(unwrap(wrapped), heading.length(), prefix, help.commandSpec().usageMessage().width());
    }

    /** One line again: a line break outside brackets was a space, one inside brackets was no character at all. */
    static String unwrap(String synopsis) {
        StringBuilder flat = new StringBuilder();
        int depth = 0;
        for (String line : synopsis.strip().split("\n")) {
            String part = flat.isEmpty() ? line.stripTrailing() : line.strip();
            if (!flat.isEmpty() && depth == 0) {
                flat.append(' ');
            }
            flat.append(part);
            for (int i = 0; i < part.length(); i++) {
                char c = part.charAt(i);
                depth += c == '[' ? 1 : c == ']' ? -1 : 0;
            }
        }
        return flat.toString();
    }

    /**
     * {@code flat} (starting with {@code prefix}, the command's name, and printed from column {@code column})
     * wrapped at {@code width} between top-level elements (spaces outside brackets), continuation lines under the
     * first element after the prefix; an element longer than a line stays whole on a line of its own.
     */
    static String wrap(String flat, int column, String prefix, int width) {
        List<String> elements = new ArrayList<>();
        String rest = flat.startsWith(prefix) ? flat.substring(prefix.length()) : flat;
        int depth = 0;
        int start = 0;
        for (int i = 0; i < rest.length(); i++) {
            char c = rest.charAt(i);
            depth += c == '[' ? 1 : c == ']' ? -1 : 0;
            if (c == ' ' && depth == 0) {
                elements.add(rest.substring(start, i));
                start = i + 1;
            }
        }
        elements.add(rest.substring(start));
        String indent = " ".repeat(column + prefix.length());
        StringBuilder out = new StringBuilder(prefix);
        column += prefix.length();
        boolean first = true;
        for (String e : elements) {
            if (e.isEmpty()) {
                continue;
            }
            if (!first && column + 1 + e.length() > width) {
                out.append('\n').append(indent);
                column = indent.length();
            } else if (!first) {
                out.append(' ');
                column++;
            }
            out.append(e);
            column += e.length();
            first = false;
        }
        return out.append('\n').toString();
    }
}
