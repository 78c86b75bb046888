package dev.drover.api;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The syntax rules Kubernetes applies to names, label keys and values, port names and environment
 * variable names. Each {@code check*} method returns the reasons a string breaks its rule (empty
 * when it is valid), so that a validator can report every problem of a field and selectors can
 * explain a bad key.
 */
public final class Names {

  /** Longest DNS-1123 label. */
  public static final int DNS1123_LABEL_MAX = 63;

  /** Longest DNS-1123 subdomain. */
  public static final int DNS1123_SUBDOMAIN_MAX = 253;

  /** Longest name part of a qualified name (label key) and longest label value. */
  public static final int QUALIFIED_NAME_MAX = 63;

  /** Longest IANA service name (port names). */
  public static final int IANA_SVC_NAME_MAX = 15;

  private static final String LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
  private static final Pattern DNS1123_LABEL = Pattern.compile(LABEL_FMT);
  private static final Pattern DNS1035_LABEL = Pattern.compile("[a-z]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern DNS1123_SUBDOMAIN =
      Pattern.compile(LABEL_FMT + "(\\." + LABEL_FMT + ")*");
  private static final Pattern QUALIFIED_NAME_PART =
      Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
  private static final Pattern IANA_SVC_NAME = Pattern.compile("[a-z0-9]([a-z0-9-]*[a-z0-9])*");
  private static final Pattern HAS_LETTER = Pattern.compile(".*[a-z].*");
  private static final Pattern ENV_VAR_NAME = Pattern.compile("[-._a-zA-Z][-._a-zA-Z0-9]*");
  private static final Pattern CONFIG_KEY = Pattern.compile("[-._a-zA-Z0-9]+");

  private Names() {}

  /** Reasons {@code value} is not a DNS-1123 label (e.g. {@code web-1}). */
  public static List<String> checkDns1123Label(String value) {
    List<String> errors = new ArrayList<>();
    if (value.length() > DNS1123_LABEL_MAX) {
      errors.add(tooLong(DNS1123_LABEL_MAX));
    }
    if (!DNS1123_LABEL.matcher(value).matches()) {
      errors.add(
          "a DNS-1123 label must consist of lower case alphanumeric characters or '-', and must"
              + " start and end with an alphanumeric character (e.g. 'my-name' or '123-abc')");
    }
    return errors;
  }

  /**
   * Reasons {@code value} is not a DNS-1035 label, the rule for Service names: a DNS-1123 label
   * that starts with a letter.
   */
  public static List<String> checkDns1035Label(String value) {
    List<String> errors = new ArrayList<>();
    if (value.length() > DNS1123_LABEL_MAX) {
      errors.add(tooLong(DNS1123_LABEL_MAX));
    }
    if (!DNS1035_LABEL.matcher(value).matches()) {
      errors.add(
          "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with"
              + " an alphabetic character, and end with an alphanumeric character (e.g. 'my-name'"
              + " or 'abc-123')");
    }
    return errors;
  }

  /** Reasons {@code value} is not a DNS-1123 subdomain (e.g. {@code web.example-1}). */
  public static List<String> checkDns1123Subdomain(String value) {
    List<String> errors = new ArrayList<>();
    if (value.length() > DNS1123_SUBDOMAIN_MAX) {
      errors.add(tooLong(DNS1123_SUBDOMAIN_MAX));
    }
    if (!DNS1123_SUBDOMAIN.matcher(value).matches()) {
      errors.add(
          "a DNS-1123 subdomain must consist of lower case alphanumeric characters, '-' or '.',"
              + " and must start and end with an alphanumeric character (e.g. 'example.com')");
    }
    return errors;
  }

  /**
   * Reasons {@code value} is not a qualified name, the syntax of label and annotation keys: an
   * optional DNS-1123 subdomain prefix and '/', then a name of at most 63 characters made of
   * alphanumerics, '-', '_' and '.', starting and ending with an alphanumeric.
   */
  public static List<String> checkQualifiedName(String value) {
    List<String> errors = new ArrayList<>();
    String[] parts = value.split("/", -1);
    String name;
    if (parts.length == 1) {
      name = parts[0];
    } else if (parts.length == 2) {
      String prefix = parts[0];
      name = parts[1];
      if (prefix.isEmpty()) {
        errors.add("prefix part must be non-empty");
      } else {
        for (String e : checkDns1123Subdomain(prefix)) {
          errors.add("prefix part " + e);
        }
      }
    } else {
      errors.add(
          "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must"
              + " start and end with an alphanumeric character, with an optional DNS subdomain"
              + " prefix and '/' (e.g. 'example.com/MyName')");
      return errors;
    }
    if (name.isEmpty()) {
      errors.add("name part must be non-empty");
    } else {
      if (name.length() > QUALIFIED_NAME_MAX) {
        errors.add("name part " + tooLong(QUALIFIED_NAME_MAX));
      }
      if (!QUALIFIED_NAME_PART.matcher(name).matches()) {
        errors.add(
            "name part must consist of alphanumeric characters, '-', '_' or '.', and must start"
                + " and end with an alphanumeric character (e.g. 'MyName' or 'my.name')");
      }
    }
    return errors;
  }

  /** Reasons {@code value} is not a label value (empty, or a qualified name part). */
  public static List<String> checkLabelValue(String value) {
    List<String> errors = new ArrayList<>();
    if (value.length() > QUALIFIED_NAME_MAX) {
      errors.add(tooLong(QUALIFIED_NAME_MAX));
    }
    if (!value.isEmpty() && !QUALIFIED_NAME_PART.matcher(value).matches()) {
      errors.add(
          "a valid label value must be an empty string or consist of alphanumeric characters,"
              + " '-', '_' or '.', and must start and end with an alphanumeric character");
    }
    return errors;
  }

  /**
   * Reasons {@code value} is not an IANA service name, the syntax of port names: at most 15 lower
   * case alphanumerics or '-', at least one letter, no '-' at either end or twice in a row.
   */
  public static List<String> checkIanaSvcName(String value) {
    List<String> errors = new ArrayList<>();
    if (value.length() > IANA_SVC_NAME_MAX) {
      errors.add(tooLong(IANA_SVC_NAME_MAX));
    }
    if (!IANA_SVC_NAME.matcher(value).matches()) {
      errors.add(
          "must contain only lower case alphanumeric characters or '-', and start and end with"
              + " an alphanumeric character");
    }
    if (value.contains("--")) {
      errors.add("must not contain consecutive hyphens");
    }
    if (!HAS_LETTER.matcher(value).matches()) {
      errors.add("must contain at least one letter (a-z)");
    }
    return errors;
  }

  /** Reasons {@code value} is not an environment variable name. */
  public static List<String> checkEnvVarName(String value) {
    List<String> errors = new ArrayList<>();
    if (!ENV_VAR_NAME.matcher(value).matches()) {
      errors.add(
          "a valid environment variable name must consist of alphabetic characters, digits, '_',"
              + " '-' or '.', and must not start with a digit");
    }
    return errors;
  }

  /** Reasons {@code value} is not a ConfigMap or Secret key. */
  public static List<String> checkConfigMapKey(String value) {
    List<String> errors = new ArrayList<>();
    if (value.length() > DNS1123_SUBDOMAIN_MAX) {
      errors.add(tooLong(DNS1123_SUBDOMAIN_MAX));
    }
    if (!CONFIG_KEY.matcher(value).matches()) {
      errors.add("a valid config key must consist of alphanumeric characters, '-', '_' or '.'");
    }
    if (value.equals(".") || value.equals("..")) {
      errors.add("must not be '.' or '..'");
    } else if (value.startsWith("..")) {
      errors.add("must not start with '..'");
    }
    return errors;
  }

  private static String tooLong(int max) {
    return "must be no more than " + max + " characters";
  }
}
