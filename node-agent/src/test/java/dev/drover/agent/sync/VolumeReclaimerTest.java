package dev.drover.agent.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.PersistentVolume;
import dev.drover.api.v1.PersistentVolumeSpec;
import dev.drover.api.v1.ProvisionedVolumeSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's part in removing a deleted provisioned volume: the directory the masters name goes,
 * with everything in it, and only then is the removal confirmed; a name that would lead out of the
 * volumes directory is never followed, and another volume's directory is left alone.
 */
class VolumeReclaimerTest {
  @TempDir Path dataDir;

  private final List<String> confirmed = new CopyOnWriteArrayList<>();

  private static PersistentVolume volume(String name, String directory) {
    return PersistentVolume.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName(name).setUid("uid-" + name))
        .setSpec(
            PersistentVolumeSpec.newBuilder()
                .setProvisioned(ProvisionedVolumeSource.newBuilder().setName(directory)))
        .build();
  }

  private VolumeReclaimer reclaimer(List<PersistentVolume> toReclaim) {
    return new VolumeReclaimer(
        dataDir,
        new VolumeReclaimer.Masters() {
          @Override
          public List<PersistentVolume> volumesToReclaim() {
            return toReclaim;
          }

          @Override
          public boolean confirmVolumeReclaimed(String name, String uid) {
            confirmed.add(name + "/" + uid);
            return true;
          }
        });
  }

  @Test
  void removesTheNamedDirectoriesThenConfirmsEach() throws Exception {
    Path gone = dataDir.resolve("volumes/pvc-1");
    Files.createDirectories(gone.resolve("sub"));
    Files.writeString(gone.resolve("sub/file"), "data");
    Path kept = dataDir.resolve("volumes/pvc-2");
    Files.createDirectories(kept);

    List<String> done = reclaimer(List.of(volume("pvc-1", "pvc-1"))).reclaimOnce();

    assertThat(done).containsExactly("pvc-1");
    assertThat(confirmed).containsExactly("pvc-1/uid-pvc-1");
    assertThat(gone).doesNotExist();
    assertThat(kept).isDirectory();
  }

  @Test
  void aVolumeWhoseDirectoryIsAlreadyGoneIsConfirmed() {
    assertThat(reclaimer(List.of(volume("pvc-3", "pvc-3"))).reclaimOnce()).containsExactly("pvc-3");
    assertThat(confirmed).containsExactly("pvc-3/uid-pvc-3");
  }

  @Test
  void aNameLeadingOutOfTheVolumesDirectoryIsNeverFollowed() throws Exception {
    Path outside = dataDir.resolve("pods");
    Files.createDirectories(outside);
    List<String> done =
        reclaimer(List.of(volume("evil", "../pods"), volume("dot", ".."), volume("none", "")))
            .reclaimOnce();
    assertThat(done).isEmpty();
    assertThat(confirmed).isEmpty();
    assertThat(outside).isDirectory();
  }
}
