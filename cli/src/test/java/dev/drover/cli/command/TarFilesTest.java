package dev.drover.cli.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.drover.cli.core.CliException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local half of cp: packing under a new root name, unpacking only inside the destination. */
class TarFilesTest {

  @TempDir Path dir;

  @Test
  void aDirectoryPacksUnderTheRootNameAndUnpacksToTheDestination() throws Exception {
    Path src = Files.createDirectories(dir.resolve("src/a/b"));
    Files.writeString(src.resolve("deep.txt"), "deep");
    Files.writeString(dir.resolve("src/top.txt"), "top");
    ByteArrayOutputStream tar = new ByteArrayOutputStream();
    TarFiles.write(dir.resolve("src"), "renamed", tar);

    Path dest = dir.resolve("out/copy");
    assertThat(TarFiles.extract(new ByteArrayInputStream(tar.toByteArray()), "renamed", dest))
        .isEmpty();
    assertThat(Files.readString(dest.resolve("top.txt"))).isEqualTo("top");
    assertThat(Files.readString(dest.resolve("a/b/deep.txt"))).isEqualTo("deep");
  }

  @Test
  void entriesLeavingTheDestinationAreRefusedAndLinksSkipped() throws Exception {
    assertThatThrownBy(() -> extract(entry("root/../../evil", "x")))
        .isInstanceOf(CliException.class)
        .hasMessageContaining("would be written outside");
    assertThat(Files.exists(dir.resolve("evil"))).isFalse();
    assertThatThrownBy(() -> extract(entry("other/file", "x")))
        .isInstanceOf(CliException.class)
        .hasMessage("the archive holds \"other/file\", outside \"root\"");

    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
      TarArchiveEntry link = new TarArchiveEntry("root/link", TarArchiveEntry.LF_SYMLINK);
      link.setLinkName("/etc/passwd");
      tar.putArchiveEntry(link);
      tar.closeArchiveEntry();
    }
    Path dest = dir.resolve("linked");
    assertThat(TarFiles.extract(new ByteArrayInputStream(bytes.toByteArray()), "root", dest))
        .containsExactly("link root/link -> /etc/passwd");
    assertThat(Files.exists(dest.resolve("link"), java.nio.file.LinkOption.NOFOLLOW_LINKS))
        .isFalse();
  }

  private byte[] entry(String name, String content) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
      byte[] data = content.getBytes(StandardCharsets.UTF_8);
      TarArchiveEntry entry = new TarArchiveEntry(name, true);
      entry.setSize(data.length);
      tar.putArchiveEntry(entry);
      tar.write(data);
      tar.closeArchiveEntry();
    }
    return bytes.toByteArray();
  }

  private void extract(byte[] tar) throws Exception {
    TarFiles.extract(new ByteArrayInputStream(tar), "root", dir.resolve("dest/inner"));
  }
}
