namespace Telescope.Recipes;

/// <summary>
/// The settings and loading of a researcher's own image files, shared by the image recipes (approximation,
/// double-descent, grokking-mnist): <c>train_images</c>, <c>train_labels</c>, <c>test_images</c>,
/// <c>test_labels</c> (paths; IDX pairs, or CIFAR-10 binary files when the label paths are empty) and
/// <c>num_classes</c> (<see cref="OwnImageSettings"/>, a group of the recipe's settings). A recipe offers the data
/// choice <c>files</c> (also what <c>auto</c> means when <c>train_images</c> is given).
/// </summary>
public static class OwnImages
{
    /// <summary>The data-setting choice that reads these files.</summary>
    public const string Choice = "files";

    /// <summary>Whether the settings name any own image file.</summary>
    public static bool AreGiven(OwnImageSettings settings) =>
        new[] { settings.TrainImages, settings.TrainLabels, settings.TestImages, settings.TestLabels }.Any(path => path.Length > 0);

    /// <summary>
    /// Throws when own files are set but the data choice would ignore them (a run on other data than the user
    /// named must not happen silently).
    /// </summary>
    public static void CheckNotIgnored(OwnImageSettings settings, string choice)
    {
        if (choice != Choice && choice != "auto" && AreGiven(settings))
            throw new TelescopeException($"Image files are set (train_images, …) but data = {choice} would ignore them.")
            { Hint = $"Use --set data={Choice} (or auto) to run on your files, or clear train_images/test_images." };
    }

    /// <summary>
    /// Loads the training and test files (all their records), records them in the run (config.json, report) and
    /// checks that both splits have the same image shape and number of classes.
    /// </summary>
    /// <exception cref="TelescopeException">A path is missing or a file is bad (<see cref="DataFileException"/>).</exception>
    public static (ImageDataset Train, ImageDataset Test) Load(RunContext context, OwnImageSettings s)
    {
        string trainImages = Required(s.TrainImages, "train_images", "training"), testImages = Required(s.TestImages, "test_images", "test");
        if ((s.TrainLabels.Length == 0) != (s.TestLabels.Length == 0))
            throw new TelescopeException("train_labels and test_labels must both be given (IDX files) or both be empty (CIFAR-10 binary files).")
            { Hint = "Give both IDX label files, or neither." };
        var (train, trainRecords) = OwnImageFiles.Load(trainImages, s.TrainLabels, s.NumClasses, "train", "train");
        var (test, testRecords) = OwnImageFiles.Load(testImages, s.TestLabels, s.NumClasses, "test", "test");
        foreach (var r in trainRecords.Concat(testRecords)) context.RecordDataFile(r);
        if (train.Shape != test.Shape)
            throw new DataFileException(Path.GetFullPath(testImages),
                $"its images are {test.Shape} but the training images ('{Path.GetFullPath(trainImages)}') are {train.Shape}.");
        return (train, test);
    }

    /// <summary>
    /// The first <paramref name="count"/> examples of an own split, or an error naming its file;
    /// <paramref name="setting"/> names what asked for them.
    /// </summary>
    /// <exception cref="DataFileException">The file holds fewer examples.</exception>
    public static ImageDataset First(OwnImageSettings settings, ImageDataset data, int count, string setting)
    {
        if (count <= data.Count) return data.Take(count);
        throw new DataFileException(Path.GetFullPath(data.Name == "train" ? settings.TrainImages : settings.TestImages),
            $"it holds {data.Count} images, fewer than {setting} = {count}.")
        { Hint = $"Lower the setting to {data.Count} or less, or give a larger file." };
    }

    /// <summary>One phrase naming the files, for data descriptions.</summary>
    public static string Describe(OwnImageSettings settings) =>
        $"your own image files (train: {Path.GetFileName(settings.TrainImages)}, test: " +
        $"{Path.GetFileName(settings.TestImages)}; sha256 under Data files)";

    private static string Required(string path, string key, string split)
    {
        if (path.Length == 0)
            throw new TelescopeException($"data = {Choice} needs {key}, the path of your {split} images.")
            { Hint = $"Add --set {key}=PATH (an IDX image file, or a CIFAR-10 binary file)." };
        return path;
    }
}

/// <summary>The paths and class count of a researcher's own image files (<see cref="OwnImages"/>).</summary>
public sealed record OwnImageSettings(string TrainImages, string TrainLabels, string TestImages, string TestLabels,
    int NumClasses)
{
    /// <summary>train_images, train_labels, test_images, test_labels, num_classes (all empty / 10 by default).</summary>
    public static SettingsSchema<OwnImageSettings> Schema { get; } = new SettingsSchema<OwnImageSettings>()
        .String(x => x.TrainImages, "train_images", "", "Your own training images (data=files, or auto when set): an IDX image file with train_labels, or a CIFAR-10 binary file without; gzip is fine")
        .String(x => x.TrainLabels, "train_labels", "", "IDX label file of train_images (empty when train_images is a CIFAR-10 binary file)")
        .String(x => x.TestImages, "test_images", "", "Your own test images, same format and image size as train_images")
        .String(x => x.TestLabels, "test_labels", "", "IDX label file of test_images (empty for a CIFAR-10 binary file)")
        .Int(x => x.NumClasses, "num_classes", 10, "Classes of your IDX labels: every label must be in 0..num_classes−1 (CIFAR-10 format: 10)", min: 1, max: 256);
}
