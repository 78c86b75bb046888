package dev.drover.cli.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * Applies a daemon's YAML configuration file to its command's options, so that every key of the
 * file is also a flag and the flag wins: key {@code dataDir} (or {@code data-dir}) sets option
 * {@code --data-dir} unless {@code --data-dir} was given on the command line. An unknown key or a
 * value of the wrong type is an error naming the file, the key and what was expected.
 */
public final class DaemonConfigFile {

  private DaemonConfigFile() {}

  /** Reads {@code file} and sets every option it names that the command line left alone. */
  public static void apply(CommandSpec spec, Path file) {
    Map<String, java.lang.Object> settings = read(file);
    ParseResult parsed = spec.commandLine().getParseResult();
    for (Map.Entry<String, java.lang.Object> entry : settings.entrySet()) {
      String key = entry.getKey();
      OptionSpec option = spec.findOption("--" + kebab(key));
      if (option == null || key.equals("config") || option.usageHelp() || option.versionHelp()) {
        throw new CliException(
            file
                + ": "
                + key
                + ": unknown setting; known settings: "
                + String.join(", ", known(spec)));
      }
      if (parsed != null && parsed.hasMatchedOption(option)) {
        continue; // the flag given on the command line wins over the file
      }
      option.setValue(convert(file, key, option, entry.getValue()));
    }
  }

  private static Map<String, java.lang.Object> read(Path file) {
    java.lang.Object root;
    try {
      String text = Files.readString(file, StandardCharsets.UTF_8);
      root =
          new Load(LoadSettings.builder().setLabel(file.toString()).build()).loadFromString(text);
    } catch (IOException e) {
      throw new CliException("cannot read config file " + file + ": " + e.getMessage(), e);
    } catch (YamlEngineException e) {
      throw new CliException(file + ": invalid YAML: " + e.getMessage(), e);
    }
    if (root == null) {
      return Map.of();
    }
    if (!(root instanceof Map<?, ?> map)) {
      throw new CliException(file + ": expected a mapping of settings at the top level");
    }
    Map<String, java.lang.Object> out = new LinkedHashMap<>();
    map.forEach((k, v) -> out.put(String.valueOf(k), v));
    return out;
  }

  private static List<String> known(CommandSpec spec) {
    TreeSet<String> names = new TreeSet<>();
    for (OptionSpec option : spec.options()) {
      String name = option.longestName();
      if (name.startsWith("--")
          && !option.usageHelp()
          && !option.versionHelp()
          && !name.equals("--config")
          && option.scopeType() != picocli.CommandLine.ScopeType.INHERIT
          && !option.inherited()) {
        names.add(camel(name.substring(2)));
      }
    }
    return new ArrayList<>(names);
  }

  /** {@code dataDir} to {@code data-dir}; kebab keys stay as they are. */
  static String kebab(String key) {
    StringBuilder out = new StringBuilder();
    for (char c : key.toCharArray()) {
      if (Character.isUpperCase(c)) {
        out.append('-').append(Character.toLowerCase(c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static String camel(String kebab) {
    StringBuilder out = new StringBuilder();
    boolean upper = false;
    for (char c : kebab.toCharArray()) {
      if (c == '-') {
        upper = true;
      } else {
        out.append(upper ? Character.toUpperCase(c) : c);
        upper = false;
      }
    }
    return out.toString();
  }

  private static java.lang.Object convert(
      Path file, String key, OptionSpec option, java.lang.Object value) {
    Class<?> type = option.type();
    String at = file + ": " + key + ": ";
    if (List.class.isAssignableFrom(type)) {
      List<String> out = new ArrayList<>();
      if (value instanceof List<?> list) {
        for (java.lang.Object item : list) {
          out.add(scalar(at, item));
        }
      } else {
        out.add(scalar(at, value));
      }
      return out;
    }
    if (Map.class.isAssignableFrom(type)) {
      if (!(value instanceof Map<?, ?> map)) {
        throw new CliException(at + "expected a mapping of key: value");
      }
      Map<String, String> out = new LinkedHashMap<>();
      map.forEach((k, v) -> out.put(String.valueOf(k), scalar(at, v)));
      return out;
    }
    String text = scalar(at, value);
    try {
      if (type == int.class || type == Integer.class) {
        return Integer.parseInt(text);
      }
      if (type == long.class || type == Long.class) {
        return Long.parseLong(text);
      }
    } catch (NumberFormatException e) {
      throw new CliException(at + "expected a whole number, got \"" + text + "\"");
    }
    if (type == boolean.class || type == Boolean.class) {
      if (!text.equals("true") && !text.equals("false")) {
        throw new CliException(at + "expected true or false, got \"" + text + "\"");
      }
      return Boolean.parseBoolean(text);
    }
    if (type == Path.class) {
      return Path.of(text);
    }
    if (type.isEnum()) {
      for (java.lang.Object constant : type.getEnumConstants()) {
        if (constant.toString().equalsIgnoreCase(text)) {
          return constant;
        }
      }
      List<String> allowed = new ArrayList<>();
      for (java.lang.Object constant : type.getEnumConstants()) {
        allowed.add(constant.toString().toLowerCase(Locale.ROOT));
      }
      throw new CliException(
          at + "expected one of " + String.join(", ", allowed) + ", got \"" + text + "\"");
    }
    return text;
  }

  private static String scalar(String at, java.lang.Object value) {
    if (value instanceof Map || value instanceof List) {
      throw new CliException(
          at + "expected a single value, got a " + (value instanceof Map ? "mapping" : "list"));
    }
    return value == null ? "" : String.valueOf(value);
  }
}
