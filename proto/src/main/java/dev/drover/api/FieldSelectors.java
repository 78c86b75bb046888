package dev.drover.api;

import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.PodPhase;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Parses field selectors ({@code metadata.name=x,spec.node_name!=,status.phase=Running}) and
 * matches them against objects. The supported fields are {@code metadata.name}, {@code
 * metadata.namespace}, {@code spec.node_name} and {@code status.phase} (the last two for pods;
 * Kubernetes' spellings {@code spec.nodeName} and {@code status.phase} are accepted too). Terms are
 * {@code field=value}, {@code field==value} or {@code field!=value}, joined by commas (AND); a
 * backslash escapes {@code ,}, {@code =}, {@code !} and {@code \} in values, as in Kubernetes.
 */
public final class FieldSelectors {

  /** A supported field. */
  public enum Field {
    /** The object's name. */
    METADATA_NAME("metadata.name"),
    /** The object's namespace (empty for cluster-scoped kinds). */
    METADATA_NAMESPACE("metadata.namespace"),
    /** A pod's node_name; empty while unscheduled. */
    SPEC_NODE_NAME("spec.node_name"),
    /** A pod's phase as a Kubernetes phase name ("Pending", ...); empty when unset. */
    STATUS_PHASE("status.phase");

    private final String path;

    Field(String path) {
      this.path = path;
    }

    /** The field's path as written in selectors. */
    public String path() {
      return path;
    }
  }

  /** One term: a field equals (or differs from) a value. */
  public record Term(Field field, boolean negated, String value) {
    /** Whether {@code object} satisfies the term. */
    public boolean matches(Object object) {
      return value.equals(valueOf(field, object)) != negated;
    }

    @Override
    public String toString() {
      return field.path() + (negated ? "!=" : "=") + escape(value);
    }
  }

  /** A parsed field selector: every term must hold. Immutable. */
  public static final class FieldMatcher {
    private final List<Term> terms;

    private FieldMatcher(List<Term> terms) {
      this.terms = List.copyOf(terms);
    }

    /** Whether every term holds for {@code object}. */
    public boolean matches(Object object) {
      for (Term term : terms) {
        if (!term.matches(object)) {
          return false;
        }
      }
      return true;
    }

    /** The terms in the order given. */
    public List<Term> terms() {
      return terms;
    }

    /** Whether the selector has no terms and so matches everything. */
    public boolean matchesEverything() {
      return terms.isEmpty();
    }

    /**
     * The value an equality term requires for {@code field}, if any: lets a caller use an index
     * (e.g. pods by node) instead of scanning.
     */
    public java.util.Optional<String> requiredValue(Field field) {
      return terms.stream()
          .filter(t -> t.field() == field && !t.negated())
          .map(Term::value)
          .findFirst();
    }

    @Override
    public String toString() {
      return terms.stream().map(Term::toString).collect(Collectors.joining(","));
    }
  }

  private static final Map<String, Field> FIELDS =
      Map.of(
          "metadata.name", Field.METADATA_NAME,
          "metadata.namespace", Field.METADATA_NAMESPACE,
          "spec.node_name", Field.SPEC_NODE_NAME,
          "spec.nodeName", Field.SPEC_NODE_NAME,
          "status.phase", Field.STATUS_PHASE);
  private static final Set<Field> POD_ONLY = Set.of(Field.SPEC_NODE_NAME, Field.STATUS_PHASE);
  private static final List<String> PHASES =
      List.of("Pending", "Running", "Succeeded", "Failed", "Unknown");

  private FieldSelectors() {}

  /**
   * Parses a selector without checking which kind it is used on. Empty (or blank) matches
   * everything.
   *
   * @throws SelectorException with the position and the reason
   */
  public static FieldMatcher parse(String selector) {
    return parse(null, selector);
  }

  /**
   * Parses a selector for objects of {@code kind}: {@code spec.node_name} and {@code status.phase}
   * are only accepted for pods.
   *
   * @throws SelectorException with the position and the reason
   */
  public static FieldMatcher parse(Kind kind, String selector) {
    List<Term> terms = new ArrayList<>();
    if (selector.isBlank()) {
      return new FieldMatcher(terms);
    }
    int pos = 0;
    int n = selector.length();
    while (true) {
      int termStart = pos;
      int end = termEnd(selector, pos);
      // Empty terms ("a=b,,c=d", a trailing comma) are skipped, as Kubernetes does.
      if (!selector.substring(termStart, end).isBlank()) {
        terms.add(term(kind, selector, termStart, end));
      }
      if (end == n) {
        return new FieldMatcher(terms);
      }
      pos = end + 1;
    }
  }

  /** Index of the unescaped comma ending the term starting at {@code from}, or the length. */
  private static int termEnd(String s, int from) {
    for (int i = from; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\') {
        i++;
      } else if (c == ',') {
        return i;
      }
    }
    return s.length();
  }

  private static Term term(Kind kind, String selector, int start, int end) {
    String text = selector.substring(start, end);
    int opAt = -1;
    int opLength = 0;
    boolean negated = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\\') {
        i++;
      } else if (c == '!' && i + 1 < text.length() && text.charAt(i + 1) == '=') {
        opAt = i;
        opLength = 2;
        negated = true;
        break;
      } else if (c == '=') {
        opAt = i;
        opLength = i + 1 < text.length() && text.charAt(i + 1) == '=' ? 2 : 1;
        break;
      }
    }
    if (opAt < 0) {
      throw new SelectorException(
          selector, start, "expected a term 'field=value', 'field==value' or 'field!=value'");
    }
    String name = text.substring(0, opAt).trim();
    Field field = FIELDS.get(name);
    if (field == null) {
      throw new SelectorException(
          selector,
          start + leadingSpace(text),
          "unknown field '"
              + name
              + "' (supported: metadata.name, metadata.namespace,"
              + " spec.node_name, status.phase)");
    }
    if (kind != null && kind != Kind.KIND_POD && POD_ONLY.contains(field)) {
      throw new SelectorException(
          selector,
          start + leadingSpace(text),
          "field '"
              + field.path()
              + "' is only supported for pods, not "
              + Kinds.info(kind).kindName());
    }
    int valueStart = start + opAt + opLength;
    String value = unescape(selector, valueStart, end);
    if (field == Field.STATUS_PHASE && !value.isEmpty() && !PHASES.contains(value)) {
      throw new SelectorException(
          selector, valueStart, "unknown pod phase '" + value + "' (one of " + PHASES + ")");
    }
    return new Term(field, negated, value);
  }

  private static int leadingSpace(String text) {
    int i = 0;
    while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
      i++;
    }
    return i;
  }

  private static String unescape(String selector, int from, int to) {
    StringBuilder out = new StringBuilder();
    for (int i = from; i < to; i++) {
      char c = selector.charAt(i);
      if (c == '\\') {
        if (i + 1 >= to) {
          throw new SelectorException(
              selector, i, "a '\\' must be followed by the character" + " it escapes");
        }
        char escaped = selector.charAt(++i);
        if ("\\,=!".indexOf(escaped) < 0) {
          throw new SelectorException(
              selector, i - 1, "invalid escape '\\" + escaped + "' (only \\\\ \\, \\= \\!)");
        }
        out.append(escaped);
      } else if (c == '=' || c == '!') {
        // Kubernetes requires these to be escaped inside values; so do we.
        throw new SelectorException(
            selector, i, "unescaped '" + c + "' in a value (write '\\" + c + "')");
      } else {
        out.append(c);
      }
    }
    return out.toString().trim();
  }

  private static String escape(String value) {
    StringBuilder out = new StringBuilder();
    for (char c : value.toCharArray()) {
      if ("\\,=!".indexOf(c) >= 0) {
        out.append('\\');
      }
      out.append(c);
    }
    return out.toString();
  }

  /** The value of {@code field} in {@code object}, as field selectors compare it. */
  public static String valueOf(Field field, Object object) {
    switch (field) {
      case METADATA_NAME:
        return ApiObjects.meta(object).getName();
      case METADATA_NAMESPACE:
        return ApiObjects.meta(object).getNamespace();
      case SPEC_NODE_NAME:
        return object.hasPod() ? object.getPod().getSpec().getNodeName() : "";
      case STATUS_PHASE:
        return object.hasPod() ? phaseName(object.getPod().getStatus().getPhase()) : "";
      default:
        throw new IllegalStateException("unknown field " + field);
    }
  }

  /** The Kubernetes name of a pod phase ("Running"); empty for unspecified. */
  public static String phaseName(PodPhase phase) {
    switch (phase) {
      case POD_PHASE_PENDING:
        return "Pending";
      case POD_PHASE_RUNNING:
        return "Running";
      case POD_PHASE_SUCCEEDED:
        return "Succeeded";
      case POD_PHASE_FAILED:
        return "Failed";
      case POD_PHASE_UNKNOWN:
        return "Unknown";
      default:
        return "";
    }
  }
}
