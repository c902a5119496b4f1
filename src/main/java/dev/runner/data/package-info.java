/**
 * The {@code data:} stage: load a dataset into memory as bytes ({@link dev.runner.data.Datasets},
 * {@link dev.runner.data.ImageSet}), and turn it into DL4J batches, augmented on background threads
 * ({@link dev.runner.data.Batches}, {@link dev.runner.data.EpochIterator}).
 *
 * <ul>
 *   <li>Data root: {@link dev.runner.data.DataRoot#resolve(String)} ({@code --data-root}, {@code RUNNER_DATA},
 *       {@code ./data}). CIFAR-10 lives in {@code <root>/cifar-10-batches-bin/}; when missing it is extracted from
 *       {@code cifar-10-binary.tar.gz} inside or beside the root, or downloaded (MD5-checked, atomic, safe).</li>
 *   <li>Transforms (training only, in the order written): pad (zero | reflect), random_crop, horizontal_flip,
 *       cutout; then normalize for train and test. torchvision semantics; pixels zeroed by pad or cutout are
 *       byte 0 before normalize.</li>
 *   <li>Determinism: shuffle from (seed, epoch), augmentation of image i from (seed, epoch, i); independent of
 *       the number of threads.</li>
 *   <li>Batches of an {@link dev.runner.data.EpochIterator} are recycled: use a batch before taking
 *       {@value dev.runner.data.EpochIterator#KEEP} + 1 more, or {@code dup()} it.</li>
 * </ul>
 */
package dev.runner.data;
