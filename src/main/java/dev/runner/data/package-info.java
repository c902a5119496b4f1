/**
 * The {@code data:} stage: load a dataset into memory as bytes ({@link dev.runner.data.Datasets},
 * {@link dev.runner.data.ImageSet}), and turn it into DL4J batches, augmented on background threads
 * ({@link dev.runner.data.Batches}, {@link dev.runner.data.EpochIterator}).
 *
 * <ul>
 *   <li>Data root: {@link dev.runner.data.DataRoot#resolve(String)} ({@code --data-root}, {@code RUNNER_DATA},
 *       {@code ./data}). CIFAR-10 lives in {@code <root>/cifar-10-batches-bin/}, CIFAR-100 in
 *       {@code <root>/cifar-100-binary/} ({@code CifarBinary}); when missing they are extracted from their
 *       {@code .tar.gz} inside or beside the root, or downloaded (MD5-checked, atomic, safe: {@code Download}).
 *       MNIST and Fashion-MNIST are their four gzipped IDX files in torchvision's {@code MNIST/raw/} and
 *       {@code FashionMNIST/raw/} ({@code IdxFiles}), each MD5-checked and downloaded when missing. Image
 *       folders: {@code ImageFolderLoader}, RGB or grey.</li>
 *   <li>Transforms (training only, in the order written; {@code Augmenter}): pad (zero | reflect), random_crop,
 *       horizontal_flip, cutout (fused index maps: {@code IndexMap}), color_jitter, random_resized_crop,
 *       random_rotation / random_affine (one {@code ImageOp} each, on floats), random_erasing (on the normalised
 *       image: {@code ErasingOp}); then normalize for train and test. torchvision semantics; pixels zeroed by
 *       pad or cutout are byte 0 before normalize.</li>
 *   <li>Determinism: shuffle from (seed, epoch), augmentation of image i from (seed, epoch, i); independent of
 *       the number of threads.</li>
 *   <li>Batches of an {@link dev.runner.data.EpochIterator} are recycled: use a batch before taking
 *       {@value dev.runner.data.EpochIterator#KEEP} + 1 more, or {@code dup()} it.</li>
 * </ul>
 */
package dev.runner.data;
