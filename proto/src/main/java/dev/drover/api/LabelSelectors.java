package dev.drover.api;

import dev.drover.api.LabelRequirement.Operator;
import dev.drover.api.v1.LabelSelector;
import dev.drover.api.v1.LabelSelectorRequirement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds {@link LabelMatcher}s from the Kubernetes selector string syntax ({@code a=b,c!=d, e in
 * (x,y),f notin (z),g,!h}, {@code ==} too), from {@code LabelSelector} messages (match_labels and
 * match_expressions) and from plain label maps (Service selectors, node selectors). Keys must be
 * qualified names and values label values, as in Kubernetes; an error names the position or the
 * field and the reason.
 */
public final class LabelSelectors {

  private LabelSelectors() {}

  /** A selector matching every object (the empty selector). */
  public static LabelMatcher everything() {
    return LabelMatcher.everything();
  }

  /** A selector matching no object (Kubernetes' meaning of an absent selector). */
  public static LabelMatcher nothing() {
    return LabelMatcher.nothing();
  }

  /**
   * Parses a selector string. The empty (or blank) string matches everything.
   *
   * @throws SelectorException with the position of the offending token and the reason
   */
  public static LabelMatcher parse(String selector) {
    return new Parser(selector).parse();
  }

  /**
   * Converts a {@code LabelSelector} message; an empty message matches everything.
   *
   * @throws SelectorException listing every bad field (see {@link #check})
   */
  public static LabelMatcher fromProto(LabelSelector selector) {
    List<FieldProblem> problems = check(selector);
    if (!problems.isEmpty()) {
      throw new SelectorException(problems);
    }
    List<LabelRequirement> requirements = new ArrayList<>();
    // Sorted keys make the matcher (and its string) independent of map order.
    selector.getMatchLabelsMap().entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            e ->
                requirements.add(
                    new LabelRequirement(e.getKey(), Operator.EQUALS, Set.of(e.getValue()))));
    for (LabelSelectorRequirement r : selector.getMatchExpressionsList()) {
      requirements.add(
          new LabelRequirement(r.getKey(), operatorOf(r), Set.copyOf(r.getValuesList())));
    }
    return LabelMatcher.of(requirements);
  }

  /**
   * Converts an equality map (a Service's selector, a node selector): each entry requires the label
   * to equal the value. An empty map matches everything.
   *
   * @throws SelectorException listing every bad key or value, by {@code [key]} path
   */
  public static LabelMatcher fromMap(Map<String, String> labels) {
    return fromProto(LabelSelector.newBuilder().putAllMatchLabels(labels).build());
  }

  /**
   * Every problem of a {@code LabelSelector} message, with paths relative to it ({@code
   * match_labels[app]}, {@code match_expressions[0].values}); empty when it is valid.
   */
  public static List<FieldProblem> check(LabelSelector selector) {
    List<FieldProblem> problems = new ArrayList<>();
    selector.getMatchLabelsMap().entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            e -> {
              String path = "match_labels[" + e.getKey() + "]";
              for (String reason : Names.checkQualifiedName(e.getKey())) {
                problems.add(new FieldProblem(path, "key: " + reason));
              }
              for (String reason : Names.checkLabelValue(e.getValue())) {
                problems.add(new FieldProblem(path, reason));
              }
            });
    for (int i = 0; i < selector.getMatchExpressionsCount(); i++) {
      LabelSelectorRequirement r = selector.getMatchExpressions(i);
      String path = "match_expressions[" + i + "]";
      for (String reason : Names.checkQualifiedName(r.getKey())) {
        problems.add(new FieldProblem(path + ".key", reason));
      }
      switch (r.getOperator()) {
        case LABEL_SELECTOR_OPERATOR_IN:
        case LABEL_SELECTOR_OPERATOR_NOT_IN:
          if (r.getValuesCount() == 0) {
            problems.add(
                new FieldProblem(
                    path + ".values", "must be specified when operator is In or NotIn"));
          }
          for (int j = 0; j < r.getValuesCount(); j++) {
            for (String reason : Names.checkLabelValue(r.getValues(j))) {
              problems.add(new FieldProblem(path + ".values[" + j + "]", reason));
            }
          }
          break;
        case LABEL_SELECTOR_OPERATOR_EXISTS:
        case LABEL_SELECTOR_OPERATOR_DOES_NOT_EXIST:
          if (r.getValuesCount() > 0) {
            problems.add(
                new FieldProblem(
                    path + ".values",
                    "may not be specified when operator is Exists or DoesNotExist"));
          }
          break;
        default:
          problems.add(
              new FieldProblem(
                  path + ".operator", "must be one of In, NotIn, Exists, DoesNotExist"));
          break;
      }
    }
    return problems;
  }

  private static Operator operatorOf(LabelSelectorRequirement r) {
    switch (r.getOperator()) {
      case LABEL_SELECTOR_OPERATOR_IN:
        return Operator.IN;
      case LABEL_SELECTOR_OPERATOR_NOT_IN:
        return Operator.NOT_IN;
      case LABEL_SELECTOR_OPERATOR_EXISTS:
        return Operator.EXISTS;
      case LABEL_SELECTOR_OPERATOR_DOES_NOT_EXIST:
        return Operator.DOES_NOT_EXIST;
      default:
        throw new IllegalStateException("checked before: " + r.getOperator());
    }
  }

  /** Token kinds of the selector string syntax. */
  private enum Tok {
    IDENTIFIER,
    COMMA,
    EQUALS,
    DOUBLE_EQUALS,
    NOT_EQUALS,
    BANG,
    OPEN_PAREN,
    CLOSE_PAREN,
    UNSUPPORTED,
    END
  }

  private record Token(Tok kind, String text, int position) {
    String describe() {
      return kind == Tok.END ? "end of string" : "'" + text + "'";
    }
  }

  /**
   * A recursive-descent parser over Kubernetes' selector grammar. Whitespace separates tokens and
   * is otherwise ignored; "in" and "notin" are operators only right after a key.
   */
  private static final class Parser {
    private final String input;
    private final List<Token> tokens = new ArrayList<>();
    private int next;

    Parser(String input) {
      this.input = input;
      lex();
    }

    private void lex() {
      int i = 0;
      int n = input.length();
      while (i < n) {
        char c = input.charAt(i);
        if (Character.isWhitespace(c)) {
          i++;
        } else if (c == ',') {
          tokens.add(new Token(Tok.COMMA, ",", i++));
        } else if (c == '(') {
          tokens.add(new Token(Tok.OPEN_PAREN, "(", i++));
        } else if (c == ')') {
          tokens.add(new Token(Tok.CLOSE_PAREN, ")", i++));
        } else if (c == '=') {
          if (i + 1 < n && input.charAt(i + 1) == '=') {
            tokens.add(new Token(Tok.DOUBLE_EQUALS, "==", i));
            i += 2;
          } else {
            tokens.add(new Token(Tok.EQUALS, "=", i++));
          }
        } else if (c == '!') {
          if (i + 1 < n && input.charAt(i + 1) == '=') {
            tokens.add(new Token(Tok.NOT_EQUALS, "!=", i));
            i += 2;
          } else {
            tokens.add(new Token(Tok.BANG, "!", i++));
          }
        } else if (c == '<' || c == '>') {
          // Kubernetes' numeric Gt/Lt selectors exist only for node affinity in Drover.
          tokens.add(new Token(Tok.UNSUPPORTED, String.valueOf(c), i++));
        } else {
          int start = i;
          while (i < n && !isSpecial(input.charAt(i))) {
            i++;
          }
          tokens.add(new Token(Tok.IDENTIFIER, input.substring(start, i), start));
        }
      }
      tokens.add(new Token(Tok.END, "", n));
    }

    private static boolean isSpecial(char c) {
      return Character.isWhitespace(c) || ",()=!<>".indexOf(c) >= 0;
    }

    private Token peek() {
      return tokens.get(next);
    }

    private Token take() {
      return tokens.get(next++);
    }

    private SelectorException error(Token at, String reason) {
      return new SelectorException(input, at.position(), reason);
    }

    LabelMatcher parse() {
      List<LabelRequirement> requirements = new ArrayList<>();
      if (peek().kind() == Tok.END) {
        return LabelMatcher.everything();
      }
      while (true) {
        requirements.add(requirement());
        Token t = take();
        if (t.kind() == Tok.END) {
          return LabelMatcher.of(requirements);
        }
        if (t.kind() != Tok.COMMA) {
          throw error(t, "found " + t.describe() + ", expected ',' or end of string");
        }
      }
    }

    private LabelRequirement requirement() {
      Token t = take();
      if (t.kind() == Tok.BANG) {
        Token key = take();
        if (key.kind() != Tok.IDENTIFIER) {
          throw error(key, "found " + key.describe() + ", expected a label key after '!'");
        }
        checkKey(key);
        return new LabelRequirement(key.text(), Operator.DOES_NOT_EXIST, Set.of());
      }
      if (t.kind() != Tok.IDENTIFIER) {
        throw error(t, "found " + t.describe() + ", expected a label key or '!'");
      }
      checkKey(t);
      Token op = peek();
      switch (op.kind()) {
        case END:
        case COMMA:
          return new LabelRequirement(t.text(), Operator.EXISTS, Set.of());
        case EQUALS:
        case DOUBLE_EQUALS:
          take();
          return new LabelRequirement(t.text(), Operator.EQUALS, Set.of(exactValue()));
        case NOT_EQUALS:
          take();
          return new LabelRequirement(t.text(), Operator.NOT_EQUALS, Set.of(exactValue()));
        case IDENTIFIER:
          if (op.text().equals("in") || op.text().equals("notin")) {
            take();
            Set<String> values = valueList(op);
            return new LabelRequirement(
                t.text(), op.text().equals("in") ? Operator.IN : Operator.NOT_IN, values);
          }
          throw error(
              op, "found " + op.describe() + ", expected one of '=', '==', '!=', 'in', 'notin'");
        default:
          throw error(
              op, "found " + op.describe() + ", expected one of '=', '==', '!=', 'in', 'notin'");
      }
    }

    /** The value after {@code =}, {@code ==} or {@code !=}; empty when none follows. */
    private String exactValue() {
      Token t = peek();
      if (t.kind() == Tok.END || t.kind() == Tok.COMMA) {
        return "";
      }
      if (t.kind() != Tok.IDENTIFIER) {
        throw error(t, "found " + t.describe() + ", expected a label value");
      }
      take();
      checkValue(t);
      return t.text();
    }

    private Set<String> valueList(Token operator) {
      Token open = take();
      if (open.kind() != Tok.OPEN_PAREN) {
        throw error(
            open, "found " + open.describe() + ", expected '(' after '" + operator.text() + "'");
      }
      Set<String> values = new LinkedHashSet<>();
      // As in Kubernetes, an element may be empty: "in ()" and "in (a,)" include "".
      while (true) {
        Token t = take();
        String value;
        if (t.kind() == Tok.IDENTIFIER) {
          checkValue(t);
          value = t.text();
          t = take();
        } else {
          value = "";
        }
        values.add(value);
        if (t.kind() == Tok.CLOSE_PAREN) {
          return values;
        }
        if (t.kind() != Tok.COMMA) {
          throw error(t, "found " + t.describe() + ", expected ',' or ')' in the value list");
        }
      }
    }

    private void checkKey(Token key) {
      List<String> reasons = Names.checkQualifiedName(key.text());
      if (!reasons.isEmpty()) {
        throw error(key, "invalid label key '" + key.text() + "': " + String.join("; ", reasons));
      }
    }

    private void checkValue(Token value) {
      List<String> reasons = Names.checkLabelValue(value.text());
      if (!reasons.isEmpty()) {
        throw error(
            value, "invalid label value '" + value.text() + "': " + String.join("; ", reasons));
      }
    }
  }
}
