package dev.drover.cli.patch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.drover.client.manifest.JsonText;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The examples of RFC 6902, Appendix A (A.1-A.16 except A.13, a JSON syntax matter), plus copy,
 * move into itself, and that errors name the operation and the path as written.
 */
class JsonPatchTest {

  private static Object apply(String document, String patch) {
    return JsonPatch.of(JsonText.parse(patch)).apply(JsonText.parse(document));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "A.1 add member | {\"foo\":\"bar\"} | [{\"op\":\"add\",\"path\":\"/baz\",\"value\":\"qux\"}]"
            + " | {\"baz\":\"qux\",\"foo\":\"bar\"}",
        "A.2 add element | {\"foo\":[\"bar\",\"baz\"]}"
            + " | [{\"op\":\"add\",\"path\":\"/foo/1\",\"value\":\"qux\"}]"
            + " | {\"foo\":[\"bar\",\"qux\",\"baz\"]}",
        "A.3 remove member | {\"baz\":\"qux\",\"foo\":\"bar\"}"
            + " | [{\"op\":\"remove\",\"path\":\"/baz\"}] | {\"foo\":\"bar\"}",
        "A.4 remove element | {\"foo\":[\"bar\",\"qux\",\"baz\"]}"
            + " | [{\"op\":\"remove\",\"path\":\"/foo/1\"}] | {\"foo\":[\"bar\",\"baz\"]}",
        "A.5 replace | {\"baz\":\"qux\",\"foo\":\"bar\"}"
            + " | [{\"op\":\"replace\",\"path\":\"/baz\",\"value\":\"boo\"}]"
            + " | {\"baz\":\"boo\",\"foo\":\"bar\"}",
        "A.6 move value | {\"foo\":{\"bar\":\"baz\",\"waldo\":\"fred\"},\"qux\":{\"corge\":\"grault\"}}"
            + " | [{\"op\":\"move\",\"from\":\"/foo/waldo\",\"path\":\"/qux/thud\"}]"
            + " | {\"foo\":{\"bar\":\"baz\"},\"qux\":{\"corge\":\"grault\",\"thud\":\"fred\"}}",
        "A.7 move element | {\"foo\":[\"all\",\"grass\",\"cows\",\"eat\"]}"
            + " | [{\"op\":\"move\",\"from\":\"/foo/1\",\"path\":\"/foo/3\"}]"
            + " | {\"foo\":[\"all\",\"cows\",\"eat\",\"grass\"]}",
        "A.8 test success | {\"baz\":\"qux\",\"foo\":[\"a\",2,\"c\"]}"
            + " | [{\"op\":\"test\",\"path\":\"/baz\",\"value\":\"qux\"},"
            + "{\"op\":\"test\",\"path\":\"/foo/1\",\"value\":2}]"
            + " | {\"baz\":\"qux\",\"foo\":[\"a\",2,\"c\"]}",
        "A.10 add nested | {\"foo\":\"bar\"}"
            + " | [{\"op\":\"add\",\"path\":\"/child\",\"value\":{\"grandchild\":{}}}]"
            + " | {\"foo\":\"bar\",\"child\":{\"grandchild\":{}}}",
        "A.11 unknown members | {\"foo\":\"bar\"}"
            + " | [{\"op\":\"add\",\"path\":\"/baz\",\"value\":\"qux\",\"xyz\":123}]"
            + " | {\"foo\":\"bar\",\"baz\":\"qux\"}",
        "A.14 escapes | {\"/\":9,\"~1\":10} | [{\"op\":\"test\",\"path\":\"/~01\",\"value\":10}]"
            + " | {\"/\":9,\"~1\":10}",
        "A.16 add list value | {\"foo\":[\"bar\"]}"
            + " | [{\"op\":\"add\",\"path\":\"/foo/-\",\"value\":[\"abc\",\"def\"]}]"
            + " | {\"foo\":[\"bar\",[\"abc\",\"def\"]]}",
        "copy | {\"a\":{\"b\":[1,2]}} | [{\"op\":\"copy\",\"from\":\"/a/b\",\"path\":\"/c\"},"
            + "{\"op\":\"add\",\"path\":\"/c/-\",\"value\":3}]"
            + " | {\"a\":{\"b\":[1,2]},\"c\":[1,2,3]}",
        "replace root | {\"a\":1} | [{\"op\":\"add\",\"path\":\"\",\"value\":[1]}] | [1]",
        "test numbers by value | {\"a\":1} | [{\"op\":\"test\",\"path\":\"/a\",\"value\":1.0}]"
            + " | {\"a\":1}"
      })
  void rfc6902AppendixA(String name, String document, String patch, String result) {
    Object patched = apply(document, patch);
    assertThat(JsonTrees.equal(patched, JsonText.parse(result)))
        .as("got %s", JsonText.writeLine(patched))
        .isTrue();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "A.9 test fails | {\"baz\":\"qux\"} | [{\"op\":\"test\",\"path\":\"/baz\",\"value\":\"bar\"}]"
            + " | operation 0 (test) at \"/baz\": value is \"qux\", not \"bar\"",
        "A.12 add to a missing parent | {\"foo\":\"bar\"}"
            + " | [{\"op\":\"add\",\"path\":\"/baz/bat\",\"value\":\"qux\"}]"
            + " | operation 0 (add) at \"/baz/bat\": no such path (\"baz\" does not exist)",
        "A.15 string is not number | {\"/\":9,\"~1\":10}"
            + " | [{\"op\":\"test\",\"path\":\"/~01\",\"value\":\"10\"}]"
            + " | operation 0 (test) at \"/~01\": value is 10, not \"10\"",
        "remove missing | {\"a\":1} | [{\"op\":\"add\",\"path\":\"/b\",\"value\":2},"
            + "{\"op\":\"remove\",\"path\":\"/c\"}]"
            + " | operation 1 (remove) at \"/c\": no such path (\"c\" does not exist)",
        "replace missing | {\"a\":1} | [{\"op\":\"replace\",\"path\":\"/x/y\",\"value\":2}]"
            + " | operation 0 (replace) at \"/x/y\": no such path (\"x\" does not exist)",
        "index out of bounds | {\"a\":[1]} | [{\"op\":\"add\",\"path\":\"/a/2\",\"value\":2}]"
            + " | operation 0 (add) at \"/a/2\": index 2 is out of bounds (the list has 1 items)",
        "leading zero | {\"a\":[1,2]} | [{\"op\":\"remove\",\"path\":\"/a/01\"}]"
            + " | operation 0 (remove) at \"/a/01\": \"01\" is not a list index",
        "move into itself | {\"a\":{\"b\":1}} | [{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/a/c\"}]"
            + " | operation 0 (move) at \"/a/c\": cannot move \"/a\" into itself",
        "copy from missing | {\"a\":1} | [{\"op\":\"copy\",\"from\":\"/nope\",\"path\":\"/b\"}]"
            + " | operation 0 (copy) at \"/nope\": no such path (\"nope\" does not exist)",
        "unknown op | {} | [{\"op\":\"merge\",\"path\":\"/a\"}]"
            + " | operation 0: \"op\" must be one of add, remove, replace, move, copy, test (got"
            + " merge)",
        "missing value | {} | [{\"op\":\"add\",\"path\":\"/a\"}]"
            + " | operation 0 (add): missing \"value\"",
        "bad pointer | {} | [{\"op\":\"remove\",\"path\":\"a\"}]"
            + " | operation 0 (remove) at \"a\": a JSON pointer starts with \"/\" (or is empty)",
        "not a list | {} | {\"op\":\"add\"}"
            + " | a JSON patch is a list of operations, e.g. [{\"op\": \"add\", ...}]"
      })
  void errorsNameTheOperationAndPath(String name, String document, String patch, String error) {
    assertThatThrownBy(() -> apply(document, patch))
        .isInstanceOf(PatchException.class)
        .hasMessage(error);
  }

  @Test
  void aFailingOperationLeavesTheDocumentAsItWas() {
    Object document = JsonText.parse("{\"a\":{\"b\":1}}");
    JsonPatch patch =
        JsonPatch.of(
            JsonText.parse(
                "[{\"op\":\"remove\",\"path\":\"/a/b\"},"
                    + "{\"op\":\"test\",\"path\":\"/a/b\",\"value\":1}]"));
    assertThatThrownBy(() -> patch.apply(document)).isInstanceOf(PatchException.class);
    assertThat(JsonText.writeLine(document)).isEqualTo("{\"a\":{\"b\":1}}");
  }
}
