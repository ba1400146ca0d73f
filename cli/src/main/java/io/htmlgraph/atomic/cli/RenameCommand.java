package io.htmlgraph.atomic.cli;

import io.htmlgraph.atomic.AtomicFiles;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code atomic rename SRC DST}. */
@Command(
    name = "rename",
    mixinStandardHelpOptions = true,
    header = "Rename SRC to DST atomically and durably.",
    description = {
      "Renames SRC to DST atomically (rename(2), replacing DST in one step) and durably (the directories "
          + "are synced). Never deletes DST first, unlike `mv` across file systems; a regular file on another "
          + "file system is copied beside DST, synced and renamed, then SRC is removed."
    })
final class RenameCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "SRC", description = "The file to rename.")
  Path src;

  @Parameters(index = "1", paramLabel = "DST", description = "Its new name (missing parents are created).")
  Path dst;

  @Override
  public Integer call() throws IOException {
    try {
      AtomicFiles.atomicRename(src, dst);
    } catch (IllegalArgumentException e) {
      throw new CliException(src + " -> " + dst + ": " + e.getMessage(), e);
    } catch (FileSystemException e) {
      CliException told = Errors.aboutTemp(e, dst, "renamed");
      if (told != null) {
        throw told;
      }
      throw e;
    }
    return 0;
  }
}
