namespace Telescope; public static class Info { public const string Name = "Telescope"; }
